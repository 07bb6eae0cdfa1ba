"""A trial still advancing when the watchdog's look ends is not a confirmed hang: load on
the machine can make a correct pipeline that slow.  The search runs that configuration
once more and reports HANG only if the second run hangs too (a livelock); a pipeline
that was slow once passes.  Each test forces the slowness with a marker file, not with
load, and takes about 2 x (trial timeout + 5 s)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stress.core.config import SearchOptions
from stress.forms.targets import parse_target
from stress.search.engine import search
from stress.trial.watchdog import CONFIRM_MAX

TIMEOUT = 0.5
OPTIONS = SearchOptions(max_items=3, faults=False, awkward=False)
Stages = Sequence[Callable[[Any], Any]]


def _through(stages: Stages, x: Any) -> Any:
    for stage in stages:
        x = stage(x)
    return x


def _advance(stages: Stages, seconds: float | None, *, busy: bool = False) -> None:
    """Call a stage every 10 ms (progress the watchdog sees) for ``seconds`` (None: ever);
    ``busy``: polling on the CPU in between, as a livelock does, rather than asleep."""
    pause = threading.Event()
    calls = 0
    while seconds is None or calls * 0.01 < seconds:
        stages[0](0)
        if busy:
            until = time.monotonic() + 0.01
            while time.monotonic() < until:
                pass
        else:
            pause.wait(0.01)
        calls += 1


def test_a_pipeline_slow_in_one_run_but_advancing_is_not_a_hang(tmp_path: Path) -> None:
    marker = tmp_path / "slow-once"

    def slow_once(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:  # the first run only: slower than the watchdog's whole look, advancing
            _advance(stages, TIMEOUT + CONFIRM_MAX + 1.0)
        return [_through(stages, x) for x in items]

    result = search(
        parse_target(slow_once), seed=1, budget=3.0, trial_timeout=TIMEOUT, options=OPTIONS, jobs=1
    )
    assert result.defect is None, result.defect.summary if result.defect else ""
    assert result.slow == 1
    assert result.trials >= 2  # the slow run and its re-run
    assert marker.exists()


def test_a_pipeline_advancing_forever_in_two_runs_is_a_hang() -> None:
    """A livelock that polls on the CPU: one that slept between its steps was, on a
    loaded 3.14t (the suite's other worker beside it), runnable but almost never run
    while the watchdog looked, which is starvation (a slow pass), not a hang."""

    def livelock(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
        _advance(stages, None, busy=True)
        return []

    result = search(
        parse_target(livelock), seed=1, budget=3.0, trial_timeout=TIMEOUT, options=OPTIONS, jobs=1
    )
    assert result.defect is not None
    assert result.defect.category == "HANG"
    assert "hung in two runs" in result.defect.details[0]
    assert result.slow == 0
