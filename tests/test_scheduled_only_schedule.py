"""A scheduled trial stops after a schedule that made no decision: it was the only one.

A decision is taken only where two threads could run.  A run that never offered one (a
pipeline run in the caller's thread alone, or one whose every wait ends by another
thread's step or by a timeout due alone) is what every strategy, at every kind of
point, would run: its trial's other 49 schedules repeated it and kept a CPU from the
search's next trial.  A trial whose schedules do decide still runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stress.core.config import TrialConfig
from stress.forms.targets import parse_target
from stress.trial import sched_child
from stress.trial.controlled import SCHEDULED
from stress.trial.execution import run_trial


def in_the_caller(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """A correct pipeline without threads: each item through every stage, in order."""
    results = []
    for item in items:
        value = item
        for stage in stages:
            value = stage(value)
        results.append(value)
    return results


def _schedules(target: str) -> int:
    config = TrialConfig(seed=3, k=5, workers=(2, 2), items=3, schedule="zero", mode="scheduled")
    record = run_trial(parse_target(target), config, trial_timeout=10.0, executor=SCHEDULED)
    assert record.category is None, record.summary
    return int(record.counts["schedules"])


def test_a_run_without_a_decision_is_the_trial_s_only_schedule() -> None:
    assert _schedules("tests.test_scheduled_only_schedule:in_the_caller") == 1


def test_a_trial_whose_schedules_decide_runs_them_all() -> None:
    assert _schedules("countdown") == sched_child.SCHEDULES_PER_TRIAL
