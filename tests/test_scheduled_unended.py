"""A schedule that steps without end proves nothing: skipped, never a verdict or a pass.

Threads that take steps for ever (a livelock, or a busy poll that PCT starves) reach the
step or real-time limit.  Such a schedule is skipped, the trial goes on with its next
schedule, and a trial in which no schedule ended is inconclusive (uncontrolled: the
search falls back to real threads).  Driven here with scripted outcomes, so each path
is taken exactly (the real runs: tests/test_sched_detection.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from stress.core.config import TrialConfig
from stress.scheduled.run import ControlledOutcome
from stress.scheduled.scheduler import COMPLETED, STEP_LIMIT, UNCONTROLLED
from stress.trial import sched_child
from stress.trial.runner import HARD_EXTRA
from stress.trial.sched_child import SCHEDULES_PER_TRIAL, _Trial
from stress.trial.sched_verdict import Schedule

PASSED: dict[str, Any] = {
    "kind": "verdict",
    "category": None,
    "summary": "",
    "details": [],
    "counts": {},
}


def _schedule(status: str) -> Schedule:
    message = None if status != COMPLETED else {**PASSED, "counts": {}}
    # A decision taken: a schedule that took none would be its trial's only one.
    outcome = ControlledOutcome(status, reason=status, decisions=[1, 0])
    return Schedule(outcome, message, [], "sync")


def _trial(statuses: list[str]) -> _Trial:
    """A trial whose schedules end as ``statuses`` say, one after the other."""
    trial = _Trial.__new__(_Trial)
    trial.config = TrialConfig(seed=1, k=0, workers=(1,), items=1, mode="scheduled")
    trial.timeout = 60.0  # the batch's real-time share never ends it here
    trial.ends = time.monotonic() + 64.0
    trial.virtual_limit = 600.0
    trial.whole_batch = False  # a search's trial
    trial.spec = SimpleNamespace(form=SimpleNamespace(reopens=True))  # type: ignore[assignment]
    scripted: Iterator[Schedule] = iter([_schedule(s) for s in statuses])

    def run_one(strategy: Any, *, points: str, real_limit: float | None = None) -> Schedule:
        return next(scripted)

    trial.run_one = run_one  # type: ignore[method-assign]
    return trial


def test_a_schedule_without_end_is_skipped_and_the_others_count() -> None:
    statuses = [STEP_LIMIT, *[COMPLETED] * (SCHEDULES_PER_TRIAL - 2), STEP_LIMIT]
    message = _trial(statuses).search()
    assert "uncontrolled" not in message
    assert message["category"] is None
    assert message["counts"]["schedules"] == SCHEDULES_PER_TRIAL - 2
    assert message["counts"]["unended"] == 2


def test_a_trial_whose_schedules_all_step_without_end_is_inconclusive() -> None:
    message = _trial([STEP_LIMIT] * SCHEDULES_PER_TRIAL).search()
    assert message["uncontrolled"].startswith("step_limit")
    assert message["category"] is None


@pytest.mark.parametrize("before", [0, 3])
def test_a_schedule_outside_the_schedulers_control_still_ends_the_trial(before: int) -> None:
    message = _trial([COMPLETED] * before + [UNCONTROLLED, COMPLETED]).search()
    assert message["uncontrolled"].startswith("uncontrolled")


def test_the_trial_limits_are_inside_the_kill_deadline() -> None:
    """The batch's share, one last schedule's real-time limit (the trial timeout +
    REAL_TIME_EXTRA) and its unwind, and shrinking a found schedule leave the child time to
    report before it is killed."""
    timeout = 2.0
    batch = sched_child.BATCH_SHARE * timeout  # then one more schedule may start
    last = timeout + sched_child.REAL_TIME_EXTRA + 1.0  # its real-time limit, the unwind
    fewest = sched_child.SHRINK_SHARE * timeout  # shrinking a found schedule
    assert batch + last + fewest < timeout + HARD_EXTRA


def test_no_schedule_runs_past_the_trials_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every schedule of a trial, its search's and its shrinks', ends by ``ends`` (the
    trial timeout + 4 s after its first began), inside the parent's kill deadline
    (timeout + 7.5 s after ready).  Each used to get the timeout + 4 s of its own: at a
    60 s timeout the search's last schedule could end at 1.5 x 60 + 4 s, and the child
    was killed (a HANG that was the harness's)."""
    limits: list[float] = []

    def record_limit(call: object, strategy: object, **options: Any) -> None:
        limits.append(options["max_real_seconds"])

    monkeypatch.setattr(sched_child, "run_controlled", record_limit)
    trial = _trial([])
    now = time.monotonic()
    trial.ends = now + 5.0
    trial._run(None, None, None, None)  # type: ignore[arg-type]
    trial._run(None, None, None, 1.0)  # type: ignore[arg-type]
    trial.ends = now - 1.0  # spent: the next schedule ends at once, inconclusive
    trial._run(None, None, None, None)  # type: ignore[arg-type]
    assert 4.5 < limits[0] <= 5.0, limits
    assert limits[1] == 1.0
    assert limits[2] == 0.01
