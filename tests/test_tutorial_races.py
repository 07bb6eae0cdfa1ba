"""The shutdown race of the tutorial variants, forced with gates (CATALOG: forcing each race).

A held stage call parks until the rest of the pipeline is parked for good
(``Caller.wait_until_quiescent``): the adversarial schedule in which that item is the
slowest possible.  Where the marker can overtake it, the caller has by then seen the
marker and waits in the ``with`` block for the pool, and the item is lost every time;
a correct protocol is only delayed, its caller still waiting for the item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

import reference
from tests.tutorial_child import expected
from tests.tutorial_gates import TIMEOUT, Caller, Calls, Hold, calling, tag

SEEN_MARKER = "Executor.__exit__ in _drive"  # the caller left its read loop at the marker


def _holding(
    k: int, hold: Hold, held: set[int], calls: Calls | None = None
) -> Callable[[object], str]:
    """Stage ``k`` that computes, then parks if the item's origin is in ``held``."""

    def stage(x: object) -> str:
        if calls is not None:
            calls.add(k)
        value = tag(k)(x)
        if int(str(x).split(">")[0]) in held:
            hold.park(f"s{k}")
        return value

    return stage


def _hold_one(
    caller: Caller, name: str, workers: list[int], k: int, calls: Calls
) -> tuple[list[object], dict[str, str]]:
    """Run item 0 with its stage-``k`` call held until the rest is parked; results, state."""
    stages: list[Callable[[object], str]] = [
        _holding(j, caller.hold, set(), calls) for j in range(2)
    ]
    stages[k] = _holding(k, caller.hold, {0}, calls)
    future = caller.start(reference.VARIANTS[name], [0], stages, workers)
    caller.hold.wait_entered(1)
    state = caller.wait_until_quiescent()
    caller.hold.release_all()
    return future.result(TIMEOUT), state


@pytest.mark.smoke
@pytest.mark.parametrize("width", [2, 16])  # 16 + 1 item: the rarest case unforced
@pytest.mark.parametrize("name", ["single_pool", "barrier_as_published"])
def test_the_marker_overtakes_an_item_held_in_stage_2_and_the_item_is_lost(
    name: str, width: int
) -> None:
    with calling() as caller:
        results, state = _hold_one(caller, name, [1, width], 1, Calls(2))
    assert state["caller"] == SEEN_MARKER
    assert results == []


@pytest.mark.parametrize("width", [2, 16])
@pytest.mark.parametrize("name", ["counted", "barrier", "separate_pools"])
def test_an_item_held_in_stage_2_only_delays_a_correct_protocol(name: str, width: int) -> None:
    with calling() as caller:
        results, state = _hold_one(caller, name, [1, width], 1, Calls(2))
    assert state["caller"] == "Queue.get in _consume"
    assert results == expected([0], 2)


def test_the_marker_overtakes_an_item_held_in_stage_1_and_strands_it_in_the_middle_queue() -> None:
    calls = Calls(2)
    with calling() as caller:
        results, state = _hold_one(caller, "single_pool", [2, 1], 0, calls)
    stage_2 = [spot for name, spot in state.items() if "-s1-" in name]
    assert set(stage_2) <= {"idle"}  # every stage-2 worker had exited when 0 left stage 1
    assert state["caller"] == SEEN_MARKER
    assert results == []
    assert calls.counts() == [1, 0]  # stage 2 never saw it: stranded in the middle queue


@pytest.mark.parametrize("name", ["counted", "barrier_as_published", "barrier", "separate_pools"])
def test_an_item_held_in_stage_1_only_delays_a_protocol_whose_first_stage_is_safe(
    name: str,
) -> None:
    with calling() as caller:
        results, _ = _hold_one(caller, name, [2, 1], 0, Calls(2))
    assert results == expected([0], 2)


def test_barrier_in_groups_of_2_for_4_workers_lets_the_marker_overtake_a_held_item() -> None:
    target = reference.make("barrier", barrier_parties=2)
    with calling() as caller:
        hold = caller.hold
        future = caller.start(target, [0], [_holding(0, hold, {0}), tag(1)], [4, 2])
        hold.wait_entered(1)
        state = caller.wait_until_quiescent()
        hold.release_all()
        results = future.result(TIMEOUT)
    assert "Barrier.wait in _before_forwarding_marker" in state.values()  # the odd one out
    assert state["caller"] == SEEN_MARKER
    assert results == []


def test_single_pool_with_a_pool_of_4_at_5_plus_5_loses_exactly_6_of_20() -> None:
    """Four threads run stage 1 alone; the marker then leaves stage 1 while its three other
    workers still hold items 17-19, and reaches the caller while stage 2 holds 14-16.

    Phase 1: stage 1 holds 17-19, its fourth worker and the fifth stage-1 loop forward
    the marker and free a thread for one stage-2 worker, which holds 14.  Phase 2: 17-19
    enter the middle queue behind two markers; the freed threads run stage-2 workers,
    two hold 15 and 16, the third forwards the marker and the caller stops reading.
    """
    target = reference.make("single_pool", pool_size=4)
    items = list(range(20))
    with calling() as caller:
        hold = caller.hold
        stages = [_holding(0, hold, {17, 18, 19}), _holding(1, hold, {14, 15, 16})]
        future = caller.start(target, items, stages, [5, 5])
        hold.wait_entered(4)
        assert caller.wait_until_quiescent()["caller"] == "Queue.get in _consume"
        hold.release("s0")
        hold.wait_entered(2)
        assert caller.wait_until_quiescent()["caller"] == SEEN_MARKER
        hold.release_all()
        results = future.result(TIMEOUT)
    assert Counter(results) == Counter(expected(items[:14], 2))


@pytest.mark.parametrize("workers", [[2, 3], [5, 5]], ids=str)
@pytest.mark.parametrize("name", ["single_pool", "counted", "barrier", "separate_pools"])
def test_single_pool_loses_one_item_per_extra_worker_in_each_stage_when_all_are_held(
    name: str, workers: list[int]
) -> None:
    """Stage 1 holds the last W1 - 1 items, stage 2 the W2 - 1 items before them: the free
    worker of each stage takes the marker past them, so single_pool loses exactly
    (W1 - 1) + (W2 - 1) of 20 (CATALOG's mean is about that), the others none.
    """
    first, second = workers[0] - 1, workers[1] - 1
    items = list(range(20))
    late = set(items[-first:])
    before = set(items[-first - second : -first])
    with calling() as caller:
        hold = caller.hold
        stages = [_holding(0, hold, late), _holding(1, hold, before)]
        future = caller.start(reference.VARIANTS[name], items, stages, workers)
        hold.wait_entered(first + second)
        state = caller.wait_until_quiescent()
        hold.release_all()
        results = future.result(TIMEOUT)
    kept = items[: -first - second] if name == "single_pool" else items
    assert state["caller"] == (SEEN_MARKER if name == "single_pool" else "Queue.get in _consume")
    assert Counter(results) == Counter(expected(kept, 2))
