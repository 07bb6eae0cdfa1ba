"""Performance measurements of one variant, each meant to run in a child process.

Each function takes a target and returns one record (see :mod:`stress.compare.records`).
They trust the target to finish: run them only where the verdicts say the variant is
correct for that workload, and in a child that the parent can kill.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from reference import Target
from stress.compare.records import Record

SLEEP_SECONDS = 0.001
JOIN_BOUND_SECONDS = 10.0
STAGES = 2


class _PeakThreads:
    """The largest ``threading.active_count()`` any stage call saw; exact under its lock."""

    def __init__(self) -> None:
        self.peak, self._lock = threading.active_count(), threading.Lock()

    def see(self) -> None:
        count = threading.active_count()
        with self._lock:
            self.peak = max(self.peak, count)


def _stage(work: str, peak: _PeakThreads, naps: list[float]) -> Callable[[Any], Any]:
    """The stage of ``work``; a sleeping one records how long each sleep really took
    (``list.append`` is atomic), so the ideal is computed in the run's own units."""
    if work == "identity":

        def identity(x: Any) -> Any:
            return x

        return identity

    def sleepy(x: Any) -> Any:
        peak.see()
        start = time.perf_counter()
        time.sleep(SLEEP_SECONDS)  # noqa: TID251 -- simulated I/O work being measured
        naps.append(time.perf_counter() - start)
        return x

    return sleepy


def throughput(target: Target, variant: str, work: str, workers: int, items: int) -> Record:
    """Run ``items`` ints through 2 stages of ``workers`` each; time it end to end."""
    peak = _PeakThreads()
    before = set(threading.enumerate())
    naps: list[float] = []
    stages = [_stage(work, peak, naps) for _ in range(STAGES)]
    start = time.perf_counter()
    received = sum(1 for _ in target(list(range(items)), stages, [workers] * STAGES))
    last_result = time.perf_counter()
    for thread in set(threading.enumerate()) - before:
        thread.join(JOIN_BOUND_SECONDS)
    joined = time.perf_counter()
    seconds = last_result - start
    ideal = None
    if work == "sleep" and naps:  # the mean sleep of this run, not of a later one
        ideal = statistics.mean(naps) * (items / workers + STAGES - 1)
    return {
        "type": "perf",
        "variant": variant,
        "workload": work,
        "workers": workers,
        "items": items,
        "received": received,
        "seconds": seconds,
        "items_per_s": items / seconds if seconds > 0 else 0.0,
        "ideal_s": ideal,
        "join_s": joined - last_result,
        "peak_threads": peak.peak if work == "sleep" else None,
    }


class _Raised(Exception):
    """The stage error whose trip to the caller is timed."""


def error_latency(target: Target, variant: str, runs: int = 15) -> Record:
    """Median time from a stage raising (first item, stage 1) to the caller catching it."""
    latencies = []
    raised_at: list[float] = []

    def failing(x: Any) -> Any:
        if x == 0:
            raised_at.append(time.perf_counter())
            raise _Raised(x)
        return x

    for _ in range(runs):
        raised_at.clear()

        try:
            for _ in target(list(range(50)), [failing, lambda x: x], [5, 5]):
                pass
        except Exception:  # any exception that reaches the caller counts
            latencies.append(time.perf_counter() - raised_at[0])
        else:
            return {
                "type": "skipped",
                "variant": variant,
                "section": "error latency",
                "reason": "the stage error never reached the caller",
            }
    return {"type": "latency", "variant": variant, "seconds": statistics.median(latencies)}
