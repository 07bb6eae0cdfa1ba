"""The stall: in about 8% of trials one stage call sleeps for most of a trial timeout,
so a pipeline whose workers leave after an idle timeout (``q.get(timeout=T)`` then
``except Empty: break``) with T up to about a second strands what comes after.  It
is drawn on its own stream (the rest of a config is unchanged), exactly one call
stalls, and the child caps it below the trial timeout."""

from __future__ import annotations

import dataclasses
import time

from stress.core.config import STALL_PLACES, SearchOptions, draw
from stress.forms.workload import Workload


def test_about_one_trial_in_twelve_stalls_one_call_and_the_draw_is_pure() -> None:
    configs = [draw(3, k, SearchOptions()) for k in range(1000)]
    assert configs == [draw(3, k, SearchOptions()) for k in range(1000)]
    stalled = [c for c in configs if c.stall_ms]
    assert 50 <= len(stalled) <= 115
    assert all(300 <= c.stall_ms <= 1200 for c in stalled)
    assert {c.stall_at for c in stalled} == set(STALL_PLACES)
    assert all(0 <= c.stall_stage < c.stages for c in stalled)
    without = [
        dataclasses.replace(c, stall_ms=0.0, stall_stage=0, stall_at="first") for c in configs
    ]
    assert sum(c != w for c, w in zip(configs, without, strict=True)) == len(stalled)


def test_exactly_one_call_stalls_for_the_capped_time() -> None:
    base = draw(3, 0, SearchOptions(stages=1, workers=(1,), faults=False, awkward=False))
    config = dataclasses.replace(base, items=3, stall_ms=1000.0, stall_stage=0, stall_at="last")
    config = dataclasses.replace(config, schedule="zero")
    workload = Workload(config)
    workload.stall_cap = 0.05
    stage = workload.stages[0]
    took = []
    for item in workload.items:
        start = time.monotonic()
        stage(item)
        took.append(time.monotonic() - start)
    assert took[2] >= 0.05  # the last call, capped at stall_cap
    assert workload._stall_ticket == []  # taken: no other call can stall
    assert workload.stalling == [0]
