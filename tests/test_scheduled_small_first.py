"""A scheduled search starts in the small scope: its first trials have two workers in
every stage, at least two stages and at most four items.

Under the scheduler a race shows in a small configuration as surely as in a big one,
and a small one's schedules are cheap and short to shrink: the tutorial's shutdown
race, once drawn at 19 workers x 3 stages, took 0.4 s to report; in the small scope
it is found and shrunk in tens of milliseconds (the figures: ``bench modes``).  The
scope never overrides what the user pinned, never touches a fixed pipeline (its shape
and items are its own), and real-threads trials are drawn as before.
"""

from __future__ import annotations

import dataclasses

from stress.core.config import EVERY_CALL, SearchOptions, TrialConfig, draw
from stress.core.simpler import (
    SLEEPING_TURN,
    SMALL_ITEMS,
    SMALL_MIN_ITEMS,
    SMALL_WIDTH,
    WINDOWLESS_SCHEDULES,
    small_first,
)
from stress.forms.targets import parse_target
from stress.search.engine import _config
from stress.trial.controlled import SCHEDULED, SMALL_FIRST
from stress.trial.execution import FORKED_THREADS
from stress.trial.portfolio import PORTFOLIO, SCHEDULED_EVERY, scheduled_turn

ANY = SearchOptions()


def _big(options: SearchOptions = ANY, *, k: int = 0) -> TrialConfig:
    """The first draw of trial ``k`` (over seeds) wider than the scope, with more items."""
    for seed in range(500):
        config = draw(seed, k, options)
        if max(config.workers) > SMALL_WIDTH and config.items > SMALL_ITEMS:
            return config
    raise AssertionError("no big draw in 500 seeds")


def _small(config: TrialConfig) -> bool:
    return max(config.workers) <= SMALL_WIDTH and config.items <= SMALL_ITEMS


def _drawn(stages: int, narrowest: int) -> TrialConfig:
    """The first draw (over seeds) with this many stages, one of them this narrow."""
    for seed in range(2000):
        config = draw(seed, 0, ANY)
        if config.stages == stages and min(config.workers) == narrowest:
            return config
    raise AssertionError(f"no draw of {stages} stages with a {narrowest}-wide one")


def test_the_small_scope_narrows_widths_and_items_and_keeps_the_rest() -> None:
    big = _big()
    small = small_first(big, ANY, shape=True)
    assert _small(small)
    assert small.stages == max(big.stages, 2)
    assert small.workers == (SMALL_WIDTH,) * small.stages
    assert (small.seed, small.k, small.items) == (big.seed, big.k, SMALL_ITEMS)
    small.validate()
    assert small_first(small, ANY, shape=True) == small


def test_the_small_scope_has_two_workers_a_stage_and_two_stages_at_least() -> None:
    """A one-worker stage cannot race its siblings, nor one stage a hand-over: the
    scope's shape is the smallest one in which both show."""
    lone = _drawn(3, 1)
    assert small_first(lone, ANY, shape=True).workers == (SMALL_WIDTH,) * 3
    single = _drawn(1, 1)
    widened = small_first(single, ANY, shape=True)
    assert widened.workers == (SMALL_WIDTH, SMALL_WIDTH)
    widened.validate()
    assert widened.slow_stage == single.slow_stage
    if single.fault_stage is not None:  # k=0 keeps a drawn fault (else adds one)
        assert widened.fault_stage == single.fault_stage
    one_stage = SearchOptions(stages=1)
    pinned = draw(single.seed, 0, one_stage)
    assert small_first(pinned, one_stage, shape=True).workers == (SMALL_WIDTH,)


def test_a_fault_on_a_call_past_the_scope_stays_on_its_last_call() -> None:
    faulty = dataclasses.replace(_big(k=0), fault_stage=0, fault_call=40, items=50)
    assert small_first(faulty, ANY, shape=True).fault_call == SMALL_ITEMS - 1
    every = dataclasses.replace(faulty, fault_call=EVERY_CALL)
    assert small_first(every, ANY, shape=True).fault_call == EVERY_CALL


def test_the_scope_s_first_trial_has_a_stage_error_and_its_second_is_plain() -> None:
    """Every tutorial variant hangs or loses results when a task raises: with faults on,
    the scope covers both a failing call (k=0) and a plain run (k=1), whatever was
    drawn (counted's hang, which needs a stage error, was reported a second late in
    the seeds whose first trials drew none)."""
    for seed in range(40):
        plain = small_first(draw(seed, 1, ANY), ANY, shape=True)
        assert plain.fault_stage is None or plain.strategy == "outlive", plain
        drawn = draw(seed, 0, ANY)
        failing = small_first(drawn, ANY, shape=True)
        failing.validate()
        assert failing.items >= SMALL_MIN_ITEMS  # a drawn empty input gets its two items
        assert failing.fault_stage is not None, failing
        if drawn.fault_stage is None:
            assert failing.fault_call == 0  # an added one: a stage's first call
        assert small_first(failing, ANY, shape=True) == failing
    calm = SearchOptions(faults=False)
    assert all(
        small_first(draw(seed, k, calm), calm, shape=True).fault_stage is None
        for seed in range(40)
        for k in range(SMALL_FIRST)
    )


def test_pinned_widths_and_a_fixed_pipeline_are_kept() -> None:
    pinned = SearchOptions(workers=(8,))
    big = _big(pinned)
    assert small_first(big, pinned, shape=True).workers == big.workers
    assert small_first(big, pinned, shape=True).items == SMALL_ITEMS
    assert small_first(_big(), ANY, shape=False) == _big()


def test_only_a_scheduled_search_s_first_trials_are_small() -> None:
    assert SMALL_FIRST >= 1
    for k in range(SMALL_FIRST + 1):
        big = _big(k=k)
        scheduled = SCHEDULED.assign(big, ANY, shape=True)
        assert scheduled.mode == "scheduled"
        assert _small(scheduled) == (k < SMALL_FIRST), k
        assert FORKED_THREADS.assign(big, ANY, shape=True) == big
        auto = PORTFOLIO.assign(big, ANY, shape=True)
        assert auto.mode == ("scheduled" if scheduled_turn(k) else "threads")
        turn = k // SCHEDULED_EVERY
        expected = SCHEDULED.assign(big, ANY, shape=True, turn=turn)
        assert auto == (expected if scheduled_turn(k) else big)


def test_auto_s_first_two_scheduled_trials_are_small_one_failing_one_plain() -> None:
    """``--mode auto`` runs one trial in eight under the scheduler: its first two of them
    (k = 1 and 9) are the scope's failing call and plain run, as ``k`` 0 and 1 are for
    ``--mode scheduled``: auto's real-threads trials wait out a hang's timeout, its
    first scheduled trial does not."""
    ks = [k for k in range(40) if scheduled_turn(k)][: SMALL_FIRST + 1]
    for seed in range(20):
        drawn = [_drawn_big(seed, k) for k in ks]
        auto = [PORTFOLIO.assign(config, ANY, shape=True) for config in drawn]
        assert [_small(config) for config in auto] == [True] * SMALL_FIRST + [False]
        assert auto[1].fault_stage is None or auto[1].strategy == "outlive"
        assert auto[0].fault_stage is not None


def _drawn_big(seed: int, k: int) -> TrialConfig:
    """Trial ``k``'s draw, made wider than the scope with more items."""
    config = draw(seed, k, ANY)
    return dataclasses.replace(config, workers=(3,) * config.stages, items=5)


def test_the_search_draws_by_the_target_s_form() -> None:
    big = _big()
    generalised = _config(
        parse_target("single_pool"), None, big.seed, big.k, options=ANY, executor=SCHEDULED
    )
    assert _small(generalised)
    replayed = _config(parse_target("single_pool"), big, 0, 0, options=ANY, executor=SCHEDULED)
    assert replayed == big  # a replay runs the configuration it names


def test_the_scope_s_second_trial_sleeps_in_every_call_and_the_others_keep_their_timing() -> None:
    """Under the virtual clock a stage call's sleep costs nothing and holds an item in
    flight while its siblings run: the tutorial's shutdown races show in every
    schedule of such a trial (the marker overtakes a sleeping sibling's item), where a
    trial whose calls take no time needs the strategy to preempt a worker between its
    get and its put (single_pool seed 6: none of 100 schedules did; barrier_as_published
    missed in 13 of 40 small trials, in 2 of 40 with every call asleep; its report's
    max over 20 seeds 0.52 -> 0.14 s).  A race inside the target's own code needs the
    interleavings instead (a lock-order deadlock never showed with every call asleep:
    one thread can run at a time), so only the second trial, the plain one, sleeps
    (``--mode auto`` meets it at k = 9, after a first scheduled trial with the drawn
    timing); the others keep what was drawn."""
    for seed in range(60):
        for turn in range(SMALL_FIRST):
            drawn = draw(seed, turn, ANY)
            small = small_first(drawn, ANY, shape=True, turn=turn)
            small.validate()
            if turn == SLEEPING_TURN and drawn.schedule in WINDOWLESS_SCHEDULES:
                assert small.schedule == "heavy", small
            else:
                assert small.schedule == drawn.schedule, (turn, small)
            assert (small.delay_us, small.slow_ms) == (drawn.delay_us, drawn.slow_ms)
    kept = dataclasses.replace(draw(0, 0, ANY), schedule="outlive", slow_ms=10.0)
    assert small_first(kept, ANY, shape=True, turn=SLEEPING_TURN).schedule == "outlive"


def test_the_scope_has_two_items_at_least_unless_the_user_allows_fewer() -> None:
    """One item, or none, cannot be overtaken by a sibling's: a small trial drawn with
    fewer gets two (their values the drawn prefix's), unless ``--max-items`` is lower."""
    empty = dataclasses.replace(draw(3, 1, ANY), items=0, fault_stage=None)
    assert small_first(empty, ANY, shape=True).items == SMALL_MIN_ITEMS
    one = SearchOptions(max_items=1)
    assert small_first(dataclasses.replace(empty, items=1), one, shape=True).items == 1
    assert small_first(empty, SearchOptions(max_items=0), shape=True).items == 0
