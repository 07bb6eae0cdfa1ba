"""A fixed pipeline's trial, in its child process: pressure, items, expected results, patches.

Order (each step needs the one before): :func:`before_import` installs the pressure
points before the target's module is imported (locks and queues made at import are
covered); :func:`prepare`, after the import, draws the items, computes the expected
results *before* patching (an ``expect`` that calls the stage functions must not count
as a call or meet a fault), then installs the patches.  Everything happens in the
trial's child; the caller's process never sees a patched module.

:class:`FixedTrial` is what the child's trial uses instead of the generalised
workload: the items, the hook each patched stage goes through (the harness's timing
noise and injected faults, exactly as for its own stages), the call ``target(items)``
under pressure, and the fixed part of the verdict: ``results=unchecked`` when nothing
was compared, LOST when a replayed group's items gave fewer results than its
reference, the patch call counts the search adds up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from stress.core.config import EVERY_CALL, TrialConfig
from stress.core.errors import TOKEN_PREFIX, InjectedFault, UsageError
from stress.core.oracle import Observation, Verdict
from stress.forms.fixed import pressure
from stress.forms.fixed.items import default_items, digest, group_of, strategy_items
from stress.forms.fixed.patching import Installed, install
from stress.forms.fixed.spec import FixedSpec
from stress.forms.workload import Workload

#: Count keys a fixed trial adds to its verdict (see :mod:`stress.forms.fixed.watch`).
CALLS = "patch_calls_"
STUCK = "patch_unreplaceable_"


def before_import(config: TrialConfig) -> None:
    """Install this trial's pressure points (before the target's module is imported).

    None under the controlled scheduler (``mode == "scheduled"``): it chooses every
    interleaving itself, and the pressure's real-time delays and its ``SimpleQueue``
    subclass of the real one would run outside its control."""
    if config.mode == "scheduled":
        return
    pressure.install(pressure.draw_pressure(config.seed, config.k))


def _load(option: str, name: str) -> Any:
    module_name, _, attr = name.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except BaseException as error:  # SystemExit from a script-like module too
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"{option} {name}: cannot import {module_name!r}: {detail}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError(f"{option} {name}: no attribute {part!r}") from None
    return obj


class FixedWorkload(Workload):
    """The harness's timing noise and faults, applied to the patched functions."""

    def hook(
        self,
        stage: int,
        n: int,
        original: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if stage >= self.config.stages:  # a shrunk trial dropped this "stage"
            return original(*args, **kwargs)
        self.progress[0] += 1
        self.calls_started[stage] += 1
        try:
            self._delay(stage, n)
            c = self.config
            if c.fault_stage == stage and c.fault_call in (n, EVERY_CALL):
                token = f"{TOKEN_PREFIX}{c.seed}.{c.k}.{stage}.{n}"
                fault = InjectedFault(token)
                self.tokens.add(token)
                self.faults.append(fault)
                raise fault
            return original(*args, **kwargs)
        finally:
            self.progress[0] += 1


class _Progress(list[int]):
    """``progress[0]`` that also moves with the synchronisation operations under pressure.

    A pipeline with no patch calls no harness stage; the watchdog still sees it advance
    while its threads hand items over, and a slow but moving pipeline is no HANG.
    """

    def __getitem__(self, index: Any) -> Any:
        value = super().__getitem__(index)
        return value + pressure.operations() if index == 0 else value


class FixedTrial:
    """The fixed side of one trial (see the module docstring)."""

    def __init__(self, fixed: FixedSpec, config: TrialConfig, target: Callable[..., Any]) -> None:
        self.fixed, self.config = fixed, config
        self.workload = FixedWorkload(config)
        self.workload.progress = _Progress(self.workload.progress)
        group = group_of(config.k, fixed.repeats)
        if fixed.items is None:
            items: list[Any] = default_items(config.seed, group, config.items)
        else:
            strategy = fixed.items
            if isinstance(strategy, str):
                strategy = _load("--items", strategy)
            items = strategy_items(strategy, config.seed, group, config.items)
        self.workload.items = items
        self.digest = digest(items)
        self.checked = fixed.expect is not None
        self.expected: list[Any] = [None] * len(items)  # a placeholder when not checked
        if fixed.expect is not None:
            expect = fixed.expect
            if isinstance(expect, str):
                expect = _load("--expect", expect)
            if not callable(expect):
                raise UsageError(f"--expect {fixed.expect} is not a function")
            self.expected = [self._expect(expect, item) for item in items]
        self.patches: list[Installed] = install(fixed.patches, self.workload.hook, [target])
        self.returned_none = False
        self.intermediates: list[list[Any]] = []  # the user's stages: outputs unknown

    def _expect(self, expect: Callable[[Any], Any], item: Any) -> Any:
        try:
            return expect(item)
        except Exception as error:
            raise UsageError(
                f"--expect raised {type(error).__name__} on item {item!r:.60}: {error}"
            ) from None

    def call(self, target: Callable[..., Any], obs: Observation) -> Any:
        """``target(items)`` under pressure; what the child iterates (``None``: nothing)."""
        obs.results_checked = self.checked
        items = list(self.workload.items)
        pressure.switch(True)
        out = target(items)
        self.returned_none = out is None
        obs.results_checked = self.checked and out is not None
        return out

    def stop(self) -> None:
        """The call and the reading of its results are over: pressure off."""
        pressure.switch(False)

    def judge(self, verdict: Verdict, obs: Observation) -> Verdict:
        """The fixed part of the verdict: counts for the search, LOST by reference."""
        raised = obs.error_type is not None
        counts = dict(verdict.counts)
        counts.update({f"{CALLS}{i}": patch.calls[0] for i, patch in enumerate(self.patches)})
        counts.update({f"{STUCK}{i}": len(p.unreplaceable) for i, p in enumerate(self.patches)})
        counts["raised"] = int(raised)
        counts["returned"] = len(obs.results)
        counts["returned_none"] = int(self.returned_none)
        counts["compared"] = int(obs.results_checked)
        counts["items_digest"] = int(self.digest, 16)
        c = self.config
        counts["items_digest_ok"] = int(not c.items_digest or c.items_digest == self.digest)
        details = [*self.lines(), *verdict.details]
        if (
            verdict.category is None
            and not obs.hung
            and c.reference_results >= 0
            and c.items_digest == self.digest
            and not raised
            and not self.returned_none
            and not self.workload.tokens
            and len(obs.results) < c.reference_results
        ):
            lost = c.reference_results - len(obs.results)
            summary = (
                f"{lost} result(s) lost: the same {len(obs.items)} item(s) gave "
                f"{len(obs.results)} result(s); another trial returned {c.reference_results}"
            )
            note = "results were not compared with expected values (no --expect)"
            return Verdict("LOST", summary, [note, *details], counts)
        return Verdict(verdict.category, verdict.summary, details, counts)

    def lines(self) -> list[str]:
        """How the fixed trial was set up, for the report."""
        stages = self.config.stages
        patches = [
            f"stage {i} = {p.spec.name} ({p.calls[0]} call(s), replaced at {len(p.replaced)} "
            f"place(s){'' if i < stages else '; no noise or fault in this trial'})"
            for i, p in enumerate(self.patches)
        ]
        return [
            f"fixed pipeline: {len(self.workload.items)} item(s) (digest {self.digest}); "
            f"pressure at: {', '.join(pressure.current_points()) or 'nothing'}",
            *(f"  patched {line}" for line in patches),
        ]
