"""A deterministic-mode find is shrunk in its trial's child, a batch of schedules per
candidate, and only the configuration it reached is replayed in a fresh child.

Shrinking in the parent cost two forked children per candidate (its batch, then the
fresh replay that confirms a scheduled find), most of the time from the call to the
printed report.  Invariants pinned here: the search's shrink runs no candidate when the
child finished (only the measuring replays), goes on from where the child stopped when
its share of time ran out, and the configuration reported is one whose own schedule
showed the defect again in a fresh child.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from stress.core.config import TrialConfig
from stress.core.record import ChildShrink, TrialRecord
from stress.forms.targets import TargetSpec, parse_target
from stress.search.shrink import runner_for, shrink
from stress.trial import sched_child
from stress.trial.controlled import SCHEDULED
from stress.trial.execution import run_trial
from stress.trial.sched_verdict import Schedule
from tests.test_power_shrink import _fake

SPEC = TargetSpec("variant", "single_pool")
FOUND_AS = TrialConfig(seed=1, k=0, workers=(2, 2, 2), items=4, awkward=0.5, mode="scheduled")
REACHED = TrialConfig(seed=1, k=0, workers=(2,), items=1, mode="scheduled")
DECISIONS = (0, 1, 0)


def _record(*, finished: bool) -> TrialRecord:
    return TrialRecord(
        config=FOUND_AS,
        category="LOST",
        wall=0.05,
        exact_config=dataclasses.replace(REACHED, decisions=DECISIONS, python="3.x", source="a"),
        shrunk=ChildShrink(steps=("drop stage 2", "1 items"), runs=7, finished=finished),
    )


def test_a_finished_child_shrink_leaves_only_the_measuring_replays() -> None:
    seen, run = _fake(lambda config: True)
    result = shrink(
        SPEC, _record(finished=True), deadline=time.monotonic() + 30, trial_timeout=2.0, run=run
    )
    assert result.config == REACHED  # schedule-free: what a search of it would run
    assert result.steps == ["drop stage 2", "1 items"]
    assert result.runs == 7
    # Every run was a replay of the reached schedule, none a candidate configuration.
    assert seen, "no measuring replay"
    assert all(config.decisions == DECISIONS for config in seen), seen
    assert result.measured == len(seen)


def test_the_confirming_fresh_replay_is_the_first_measuring_replay() -> None:
    """A scheduled find reaches the search only after its schedule replayed exactly in a
    fresh child (``replay_exact``): that replay is counted, and one more is run, not
    two (each costs a fork; about 10 ms of a 0.1 s report)."""
    confirmed = _record(finished=True)
    confirmed.counts["replay_exact"] = 1
    seen, run = _fake(lambda config: True)
    result = shrink(SPEC, confirmed, deadline=time.monotonic() + 30, trial_timeout=2.0, run=run)
    assert len(seen) == 1
    assert seen[0].decisions == DECISIONS
    assert (result.reproduced, result.measured) == (2, 2)
    # ... and a replay that then fails is counted as such: 1 of 2, flaky.
    seen, run = _fake(lambda config: False)
    result = shrink(SPEC, confirmed, deadline=time.monotonic() + 30, trial_timeout=2.0, run=run)
    assert (result.reproduced, result.measured) == (1, 2)
    assert result.replay_status == "flaky"


def test_an_unfinished_child_shrink_goes_on_from_where_it_stopped() -> None:
    seen, run = _fake(lambda config: True)
    result = shrink(
        SPEC, _record(finished=False), deadline=time.monotonic() + 30, trial_timeout=2.0, run=run
    )
    candidates = [config for config in seen if config.decisions is None]
    assert candidates, "the search's shrink did not go on"
    assert candidates[0].workers == (1,)  # a neighbour of REACHED, not of FOUND_AS
    assert result.steps[:2] == ["drop stage 2", "1 items"]
    assert result.runs > 7


def _first_find(config: TrialConfig) -> TrialRecord:
    spec = parse_target("single_pool")
    for k in range(8):
        record = run_trial(
            spec, dataclasses.replace(config, k=k), trial_timeout=10.0, executor=SCHEDULED
        )
        if record.category is not None:
            return record
    pytest.fail("no trial of 8 found the race")


def test_the_child_shrinks_the_tutorial_race_and_its_schedule_replays_fresh() -> None:
    record = _first_find(FOUND_AS)
    assert record.category == "LOST"
    assert record.shrunk is not None
    assert record.shrunk.finished, record.shrunk
    assert record.exact_config is not None
    reached = record.exact_config
    assert reached.stages == 1, record.shrunk.steps
    assert reached.items < FOUND_AS.items, record.shrunk.steps
    assert reached.awkward == 0.0, record.shrunk.steps
    assert record.counts["replay_exact"] == 1  # confirmed in a fresh child
    again = run_trial(parse_target("single_pool"), reached, trial_timeout=10.0, executor=SCHEDULED)
    assert again.category == "LOST"
    assert again.counts["replay_exact"] == 1


def test_with_no_time_to_shrink_in_the_child_the_search_shrinks_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The trial's child is forked from this process: it sees the patched share.
    monkeypatch.setattr(sched_child, "SHRINK_CONFIG_SHARE", 0.0)
    record = _first_find(FOUND_AS)
    assert record.shrunk is not None
    assert not record.shrunk.finished
    assert record.shrunk.runs == 0
    result = shrink(
        parse_target("single_pool"),
        record,
        deadline=time.monotonic() + 60.0,
        trial_timeout=10.0,
        run=runner_for(SCHEDULED),
    )
    assert result.config.stages == 1, result.steps
    assert result.reproduced == result.measured >= 2


def test_a_candidate_runs_its_whole_batch_however_slow_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shrink candidate's verdict must not depend on the machine's speed: a loaded
    3.14t ran so few of a candidate's schedules in the search batch's share of real time
    that a deadlocking ``(2,)`` counted as passing, and the lock-order deadlock was
    reported at 3 workers.  Here both real-time shares are spent at once (the search
    batch stops after one schedule, the child shrinks nothing): the candidates still
    run their whole batches and reach the two threads the deadlock needs."""
    spec = parse_target("tests.zoo.race_lock_order:pipeline")
    found = TrialConfig(seed=1, k=0, workers=(4, 4), items=12, mode="scheduled")
    record = None
    for k in range(10):  # the first trial of this shape whose whole batch shows it
        config = dataclasses.replace(found, k=k)
        record = run_trial(spec, config, executor=SCHEDULED.for_candidates())
        if record.category is not None:
            break
    assert record is not None
    assert record.category == "HANG"
    # The children forked from here on see a machine with no real time to spare.
    monkeypatch.setattr(sched_child, "BATCH_SHARE", 0.0)
    monkeypatch.setattr(sched_child, "SHRINK_CONFIG_SHARE", 0.0)
    record = dataclasses.replace(record, shrunk=None)  # as if the child had shrunk nothing
    result = shrink(
        spec, record, deadline=time.monotonic() + 60.0, trial_timeout=2.0, run=runner_for(SCHEDULED)
    )
    assert result.category == "HANG"
    assert result.config.workers in ((2,), (1, 1)), result.steps
    assert result.reproduced == result.measured >= 2


class _Batches(sched_child._Trial):
    """A trial whose batches are a rule of the configuration (no child, no schedule):
    the race shows only where a later stage has two workers (barrier_as_published)."""

    def __init__(self, config: TrialConfig) -> None:  # no target to open, no child
        self.spec, self.config, self.unused = parse_target("single_pool"), config, []
        self.ran: list[TrialConfig] = []

    def batch(self, **_: object) -> sched_child._Find | dict[str, object]:
        self.ran.append(self.config)
        if len(self.config.workers) >= 2 and self.config.workers[-1] >= 2:
            return _find(self.config)
        return {"category": None}


def _find(config: TrialConfig) -> sched_child._Find:
    done = Schedule(None, {"category": "LOST"}, [], "lines")  # type: ignore[arg-type]
    return sched_child._Find(done, {"category": "LOST"}, None, schedules=10, j=0)  # type: ignore[arg-type]


def test_a_shape_whose_whole_batch_missed_is_not_tried_again_with_fewer_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stage drop that cannot race was tried again after each later step (fewer items,
    a narrower stage, no delays): over half of barrier_as_published's shrink in its
    child, 50 schedules each.  The same widths with no more items (every other field only
    simpler along a shrink) are skipped; the configuration reached is the same."""
    start = TrialConfig(seed=1, k=0, workers=(2, 2), items=4, slow_ms=10.0, mode="scheduled")

    def shrink_from(start: TrialConfig) -> tuple[TrialConfig, list[TrialConfig]]:
        trial = _Batches(start)
        trial.shrink_config(_find(start), until=time.monotonic() + 30.0)
        return trial.config, trial.ran

    reached, ran = shrink_from(start)
    missed = [c for c in ran if c.workers[-1] < 2 or len(c.workers) < 2]
    for i, late in enumerate(missed):
        assert not any(
            early.workers == late.workers and early.items >= late.items for early in missed[:i]
        ), (late, missed[:i])
    monkeypatch.setattr(sched_child, "_covered", lambda candidate, barren: False)
    reached_before, ran_before = shrink_from(start)
    assert reached == reached_before
    assert (reached.workers, reached.items) == ((1, 2), 1)
    assert len(ran) < len(ran_before)
