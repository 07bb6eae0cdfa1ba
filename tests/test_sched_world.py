"""What a schedule does not do on a free-threaded build: stop the world.

On 3.14t ``sys.settrace``, ``sys.setprofile`` (even to ``None`` when none is set) and
``sys._current_frames`` each stop every thread; on one CPU the caller then waits for
threads that are runnable but not running.  A reused worker called both at each new
life and a run read every frame as it began: a schedule of the 2 x 2 x 4 countdown on
3.14t took 3.4 ms of real time for 2.7 ms of CPU; 2.5 for 2.5 now
(reports/bench/sched_core.py).  Those calls are made only where they change something.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from stress.scheduled import _fresh, _real, scheduler
from stress.scheduled.strategies import RandomWalk


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[object]:
    calls: list[object] = []
    real = getattr(module, name)

    def counting(*args: object) -> object:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(module, name, counting)
    return calls


def _trace(frame: object, event: str, arg: object) -> None:
    return None


def test_a_new_life_clears_only_a_trace_or_profile_that_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    traced = _counted(monkeypatch, sys, "settrace")
    profiled = _counted(monkeypatch, sys, "setprofile")
    saved = sys.gettrace(), sys.getprofile()
    try:
        sys.settrace(None)
        sys.setprofile(None)
        traced.clear()
        profiled.clear()
        _fresh.untrace()
        assert (traced, profiled) == ([], [])
        sys.settrace(_trace)
        sys.setprofile(_trace)
        _fresh.untrace()
        assert (sys.gettrace(), sys.getprofile()) == (None, None)
    finally:
        sys.settrace(saved[0])
        sys.setprofile(saved[1])


@pytest.mark.skipif(_real.os_threads() is None, reason="no /proc: frames are the only record")
def test_a_run_names_the_threads_before_it_by_native_id_without_reading_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = _counted(monkeypatch, sys, "_current_frames")
    sched = scheduler.Scheduler(RandomWalk(0))
    assert read == []
    assert sched.outsiders_native is not None
    assert _real.get_native_id() in sched.outsiders_native
