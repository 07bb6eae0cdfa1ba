"""Reference pipelines under the scheduler: the tutorial race found, no false alarm,
and a found defect replayed exactly in another process.

Shape: 2 stages, 2 workers each, 4 items (CONTRACT.md section 1 targets).  Runs are
deterministic for a given (seed, k), so these tests give the same answer every time.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from stress.scheduled.child import run_job

CHILD_TIMEOUT = 180.0
SHAPE = {"items": 4, "stages": 2, "workers": 2}


@functools.cache
def _single_pool_search() -> dict[str, Any]:
    found: dict[str, Any] = run_job(
        "stress.scheduled.pipelines:search",
        {"target": "single_pool", **SHAPE, "seed": 1, "schedules": 300},
        timeout=CHILD_TIMEOUT,
    )
    return found


def test_the_tutorial_race_of_single_pool_is_found_lost_within_a_few_hundred_schedules() -> None:
    found = _single_pool_search()
    defect = found["defect"]
    assert defect is not None, found["verdicts"]
    assert defect["verdict"] == "LOST"
    assert defect["exact"]  # replayed once in the same process: same verdict and decisions


@pytest.mark.parametrize("target", ["countdown", "queue_shutdown"])
def test_a_correct_design_never_fails_under_300_schedules(target: str) -> None:
    found = run_job(
        "stress.scheduled.pipelines:search",
        {"target": target, **SHAPE, "seed": 1, "schedules": 300, "stop_at_defect": False},
        timeout=CHILD_TIMEOUT,
    )
    assert found["schedules"] == 300
    assert found["verdicts"] == {"PASS": 300}


def test_a_replay_in_a_fresh_process_reproduces_the_identical_decision_trace() -> None:
    defect = _single_pool_search()["defect"]
    assert defect is not None
    again = run_job(
        "stress.scheduled.pipelines:replay",
        {
            "target": "single_pool",
            **SHAPE,
            "strategy": {"kind": "replay", "decisions": defect["decisions"]},
        },
        timeout=CHILD_TIMEOUT,
    )
    assert again["verdict"] == "LOST"
    assert again["complete"]
    assert again["decisions"] == defect["decisions"]
    assert again["trace"] == defect["trace"]
    assert len(again["trace"]) > len(again["decisions"]) > 10


def test_reusing_os_threads_across_runs_changes_no_decision() -> None:
    reused = run_job(
        "stress.scheduled.pipelines:search",
        {"target": "single_pool", **SHAPE, "seed": 1, "schedules": 300, "reuse_os_threads": True},
        timeout=CHILD_TIMEOUT,
    )
    fresh = _single_pool_search()
    assert reused["defect"] is not None
    assert fresh["defect"] is not None
    assert reused["defect"]["k"] == fresh["defect"]["k"]
    assert reused["defect"]["decisions"] == fresh["defect"]["decisions"]
    assert reused["defect"]["trace"] == fresh["defect"]["trace"]


def test_the_virtual_clocks_read_the_same_in_every_process() -> None:
    first = run_job("tests.sched_jobs:clock_readings", {}, timeout=60)
    second = run_job("tests.sched_jobs:clock_readings", {}, timeout=60)
    assert first == second  # a replay meets the same clock readings
    assert first[0] >= 0.25
