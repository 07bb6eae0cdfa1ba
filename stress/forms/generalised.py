"""The generalised form: ``pipeline(items, stages, workers)``, the harness's own stages.

The harness draws the shape (stages, widths, item count, awkward values), builds the
items and instrumented stages from the config (:mod:`stress.forms.workload`), and compares
results with the composition of its stages.  Nothing is installed before the import,
no patch is made, and the search needs no view across trials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stress.core.config import SearchOptions, TrialConfig, draw
from stress.core.oracle import Observation, Verdict
from stress.core.record import TrialRecord
from stress.forms.workload import Workload


class GeneralisedTrial:
    """One trial's items, stages and expected values, rebuilt from its config."""

    def __init__(self, config: TrialConfig) -> None:
        self.config = config
        self.workload = Workload(config)
        self.expected: list[Any] = self.workload.expected()
        self.intermediates: list[list[Any]] = []
        values = list(self.workload.items)
        for stage in range(config.stages):
            values = [self.workload.apply(stage, v) for v in values]
            self.intermediates.append(values)

    def call(self, target: Callable[..., Any], obs: Observation) -> Any:
        return target(
            list(self.workload.items), list(self.workload.stages), list(self.config.workers)
        )

    def stop(self) -> None:
        pass

    def judge(self, verdict: Verdict, obs: Observation) -> Verdict:
        return verdict


class _NoWatch:
    """Every generalised trial is judged alone."""

    results_checked = True
    errors_checked = True

    def see(self, record: TrialRecord) -> TrialRecord:
        return record

    def finish(self, *, trials: int) -> None:
        pass


@dataclass(frozen=True)
class GeneralisedForm:
    """The :class:`~stress.forms.protocol.TargetForm` of ``pipeline(items, stages, workers)``."""

    results_checked = True
    shrinks_shape = True
    reopens = True

    def draw(self, seed: int, k: int, options: SearchOptions) -> TrialConfig:
        return draw(seed, k, options)

    def before_import(self, config: TrialConfig) -> None:
        pass

    def open_trial(self, config: TrialConfig, target: Callable[..., Any]) -> GeneralisedTrial:
        return GeneralisedTrial(config)

    def watch(self) -> _NoWatch:
        return _NoWatch()

    def seal(self, record: TrialRecord) -> TrialRecord:
        return record

    def replay_options(self, kind: str) -> str:
        return ""

    def describe(self) -> dict[str, Any] | None:
        return None

    def shape_text(self, config: TrialConfig) -> tuple[str, str]:
        values = f"awkward values ({config.awkward:.0%})" if config.awkward else "plain ints"
        return f"{config.stages} stage(s) with workers {list(config.workers)}", values


#: The form of every target not made fixed.
GENERALISED = GeneralisedForm()
