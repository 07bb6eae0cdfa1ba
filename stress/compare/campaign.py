"""The comparison campaign: every variant through the same trials, sweeps and timings.

Invariant: the campaign is a function of (variants, seed, quick).  Trial ``k`` of a
cell is ``draw(seed, k, options)`` adjusted to the cell's condition, so every variant
meets the very same configurations; only the machine's timing differs between runs.
Every trial runs in a forked child (:func:`stress.trial.runner.run_trial`) and every timing
in a child killed at a deadline, so a variant that hangs or leaks costs seconds, never
the campaign.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import json
import os
import platform
import random
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reference import TUTORIAL, VARIANTS, make
from stress.compare import perf
from stress.compare.records import CONDITIONS, Record
from stress.core import forking
from stress.core.bars import progress_bar
from stress.core.config import SearchOptions, TrialConfig, draw
from stress.core.version import gil_enabled, interpreter_label
from stress.forms.targets import TargetSpec
from stress.trial.execution import run_trial


@dataclass(frozen=True)
class Plan:
    """How much the campaign measures; ``quick`` fits CI (well under a minute)."""

    trials_per_cell: int
    trial_timeout: float
    sweep_widths: tuple[int, ...]
    sweep_trials: int
    sweep_items: int
    identity_items: int
    sleep_items: int
    sleep_widths: tuple[int, ...]
    perf_timeout: float

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(3, 0.5, (1, 2, 5), 3, 20, 2_000, 100, (1, 5), 20.0)
        return cls(20, 1.0, (1, 2, 5, 16), 20, 20, 20_000, 2_000, (1, 2, 5, 16, 64), 60.0)


def _condition_options(condition: str) -> SearchOptions:
    return SearchOptions(faults=condition == "faults", awkward=condition == "awkward")


def cell_config(seed: int, k: int, condition: str) -> TrialConfig:
    """Trial ``k`` of every ``condition`` cell: the same for each variant."""
    config = draw(seed, k, _condition_options(condition))
    rng = random.Random(f"{seed}:{k}:{condition}")  # force what the cell is about
    if condition == "faults" and config.fault_stage is None and config.items > 0:
        config = dataclasses.replace(
            config, fault_stage=rng.randrange(config.stages), fault_call=rng.randrange(config.items)
        )
    if condition == "awkward" and config.awkward == 0:
        config = dataclasses.replace(config, awkward=rng.choice((0.1, 0.3, 0.7)))
    return config


def _spec(variant: str, condition: str, k: int, seed: int) -> TargetSpec:
    if condition != "bounded":
        return TargetSpec(kind="variant", name=variant)
    maxsize = random.Random(f"{seed}:{k}:maxsize").choice((1, 2))
    return TargetSpec(
        kind="callable", name=f"{variant}(maxsize={maxsize})", func=make(variant, maxsize=maxsize)
    )


def in_child(measure: Callable[[], Record], timeout: float) -> Record | None:
    """``measure()`` in a forked child; ``None`` if it gives no record within ``timeout``."""
    read_fd, write_fd = os.pipe()
    pid = forking.fork()
    if pid == 0:  # pragma: no cover - the child ends with os._exit
        try:
            os.setpgid(0, 0)
            os.write(write_fd, json.dumps(measure()).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    data = b""
    try:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([read_fd], [], [], remaining)
            chunk = os.read(read_fd, 1 << 16) if ready else b""
            if not chunk:
                break
            data += chunk
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_fd)
    try:
        record: Record = json.loads(data)
    except ValueError:
        return None
    return record


class Campaign:
    """Runs the campaign step by step, appending records as they are made."""

    def __init__(self, variants: list[str], *, seed: int, quick: bool) -> None:
        self.variants, self.seed, self.quick = variants, seed, quick
        self.plan = Plan.for_mode(quick)
        self.records: list[Record] = [self._env()]

    def _env(self) -> Record:
        return {
            "type": "env",
            "python": platform.python_version(),
            "interpreter": interpreter_label(),
            "gil": gil_enabled(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "seed": self.seed,
            "quick": self.quick,
            "partial": False,
            "variants": self.variants,
        }

    def mark_partial(self) -> None:
        self.records[0]["partial"] = True

    def _trial_jobs(self) -> Iterator[tuple[str, str, int]]:
        for variant in self.variants:
            for condition in CONDITIONS:
                for k in range(self.plan.trials_per_cell):
                    yield variant, condition, k

    def _trial(self, variant: str, condition: str, k: int) -> Record:
        config = cell_config(self.seed, k, condition)
        record = run_trial(
            _spec(variant, condition, k, self.seed), config, trial_timeout=self.plan.trial_timeout
        )
        return {
            "type": "trial",
            "variant": variant,
            "condition": condition,
            "k": k,
            "config": config.to_json(),
            "category": None if record.skipped else record.category,
            "summary": record.summary,
            "lost": record.results_lost,
            "duration_s": round(record.duration, 4),
            "live_workers": record.live_workers,
        }

    def _sweep_config(self, width: int, k: int) -> TrialConfig:
        base = draw(
            self.seed, k, SearchOptions(stages=2, workers=(width,), faults=False, awkward=False)
        )
        return dataclasses.replace(base, items=self.plan.sweep_items)

    def _sweep(self, variant: str, width: int) -> Record:
        losses = 0
        for k in range(self.plan.sweep_trials):
            record = run_trial(
                TargetSpec(kind="variant", name=variant),
                self._sweep_config(width, k),
                trial_timeout=self.plan.trial_timeout,
            )
            losses += record.category == "LOST"
        return {
            "type": "sweep",
            "variant": variant,
            "workers": width,
            "trials": self.plan.sweep_trials,
            "losses": losses,
        }

    def _correct_with_plain_values(self, variant: str) -> bool:
        return not any(
            r["category"]
            for r in self.records
            if r["type"] == "trial" and r["variant"] == variant and r["condition"] == "plain"
        )

    def _perf_jobs(self, variant: str) -> Iterator[tuple[str, Callable[[], Record]]]:
        target, plan = VARIANTS[variant], self.plan
        throughput = functools.partial(perf.throughput, target, variant)
        yield "identity", functools.partial(throughput, "identity", 5, plan.identity_items)
        for width in plan.sleep_widths:
            yield f"sleep x{width}", functools.partial(throughput, "sleep", width, plan.sleep_items)
        if variant not in TUTORIAL:  # the tutorial's variants never surface a stage error
            yield "error latency", functools.partial(perf.error_latency, target, variant)

    def _add_sweep(self, variant: str, width: int) -> None:
        self.records.append(self._sweep(variant, width))

    def _steps(self) -> list[tuple[str, Callable[[], None]]]:
        steps: list[tuple[str, Callable[[], None]]] = [
            (f"sweep {variant} x{width}", functools.partial(self._add_sweep, variant, width))
            for variant in self.variants
            for width in self.plan.sweep_widths
        ]
        steps += [
            (f"perf {variant}", functools.partial(self._perf, variant)) for variant in self.variants
        ]
        return steps

    def _perf(self, variant: str) -> None:
        if not self._correct_with_plain_values(variant):
            self.records.append(
                {
                    "type": "skipped",
                    "variant": variant,
                    "section": "performance",
                    "reason": "loses results with plain values",
                }
            )
            return
        for section, measure in self._perf_jobs(variant):
            record = in_child(measure, self.plan.perf_timeout)
            self.records.append(
                record
                if record is not None
                else {
                    "type": "skipped",
                    "variant": variant,
                    "section": section,
                    "reason": f"no result within {self.plan.perf_timeout:.0f} s",
                }
            )

    def run(self) -> None:
        """Trials (two at a time), then sweeps and timings (one at a time, for honest clocks)."""
        jobs = list(self._trial_jobs())
        steps = self._steps()
        with progress_bar(
            total=len(jobs) + len(steps), desc="compare", unit="step", file=sys.stderr, disable=None
        ) as bar:
            with ThreadPoolExecutor(2, thread_name_prefix="compare-trials") as pool:
                for record in pool.map(lambda job: self._trial(*job), jobs):
                    self.records.append(record)
                    bar.update()
            for label, step in steps:
                bar.set_postfix_str(label)
                step()
                bar.update()
