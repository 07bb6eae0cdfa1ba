"""A found schedule's preemptions are cut by key (stress.scheduled.preemptions): a
decision is named by the thread taking it and how many it had taken before, so the
schedule's choices replay by key exactly, and a subset of its preemptions keeps the
rest of the run close to the original.  A random walk's find (tens to hundreds of
preemptions) is cut to the few its race needs; before, the leading-prefix search and
a few random bounded draws left it as found ("94 preemption(s)", not shrunk)."""

from __future__ import annotations

from typing import Any

from stress.core.config import TrialConfig
from stress.forms.targets import parse_target
from stress.scheduled.child import run_job
from stress.scheduled.preemptions import keys_of
from stress.trial.controlled import SCHEDULED
from stress.trial.execution import run_trial

#: single_pool at 3 workers and 3 items, seed 1, trial k=3: its find is a random walk
#: with 94 preemptions, which the earlier search could not cut at all.
RANDOM_FIND = TrialConfig(
    seed=1, k=3, workers=(3,), items=3, schedule="zero", mode="scheduled", points="sync"
)


def test_keys_count_each_threads_own_decisions() -> None:
    assert keys_of([0, 1, 0, -1, 1, 0]) == [(0, 0), (1, 0), (0, 1), (-1, 0), (1, 1), (0, 2)]


def test_a_schedule_replays_by_key_exactly_and_preempts_only_where_kept() -> None:
    seen = run_job("tests.sched_jobs:keyed_replay", {}, timeout=120.0)
    assert len(seen["at"]) >= 4, seen["at"]
    assert seen["whole"] == seen["decisions"]
    assert seen["whole_at"] == seen["at"]
    assert seen["some_at"], "a kept preemption that was never taken"
    assert all(key in seen["kept"] for key in seen["some_at"]), seen


def test_a_random_walks_find_is_cut_to_the_preemptions_its_race_needs() -> None:
    record = run_trial(
        parse_target("single_pool"), RANDOM_FIND, trial_timeout=30.0, executor=SCHEDULED
    )
    assert record.category == "LOST"
    details: list[Any] = record.details
    assert "shrunk from" in details[0], details[0]
    assert record.counts["preemptions"] <= 2, details[0]
