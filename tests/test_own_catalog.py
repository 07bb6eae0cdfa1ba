"""The CATALOG.md cases that break the tutorial's variants, run on the project's designs.

Each schedule is forced with gates, as CATALOG.md describes; a correct design is only
delayed by them.  Failing-consumer cases that concern interpreter exit are in
test_own_exit.py (child processes).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import reference
from tests.test_own_support import (
    OWN,
    TIMEOUT,
    assert_no_thread_of,
    bounded,
    multiset,
    own,
    run_to_end,
)
from tests.tutorial_gates import join_started

pytestmark = pytest.mark.smoke


@pytest.fixture(params=OWN, ids=str)
def name(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def _wait_until_upstream_has_ended(name: str, k: int) -> None:
    """Block until the feeder and every other worker of stages ``0..k`` have exited.

    That is the moment the end of input has passed every other thread up to stage
    ``k``: if the design let the end overtake the item held here, the item is lost.
    """
    me = threading.current_thread()
    prefixes = (f"{name}-feeder", *(f"{name}-s{j}-" for j in range(k + 1)))
    others = [t for t in threading.enumerate() if t is not me and t.name.startswith(prefixes)]
    for thread in others:
        join_started(thread, TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} did not end while {me.name} held an item"


def _holding(name: str, k: int, held: object) -> Any:
    def stage(x: object) -> object:
        if x == held:
            _wait_until_upstream_has_ended(name, k)
        return x

    return stage


# -- shutdown races ------------------------------------------------------------------------
@pytest.mark.parametrize("maxsize", [0, 1])
def test_stage_two_overtake_loses_nothing(name: str, maxsize: int) -> None:
    """1 + 2 workers, N = 1: item 0 held in stage 2 until all else has ended (V1, V3p lose)."""
    stages = [lambda x: x, _holding(name, 1, 0)]
    assert run_to_end(name, [0], stages, [1, 2], maxsize) == [0]
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", [0, 1])
def test_stage_one_overtake_strands_nothing(name: str, maxsize: int) -> None:
    """2 + 1 workers, N = 1: item 0 held in stage 1 (V1 strands it in the middle queue)."""
    stages = [_holding(name, 0, 0), lambda x: x]
    assert run_to_end(name, [0], stages, [2, 1], maxsize) == [0]
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", [0, 1])
def test_the_tutorials_shape_with_one_item_held_loses_nothing(name: str, maxsize: int) -> None:
    """5 + 5 workers and 20 items; item 7 held in stage 2 until all else has ended."""
    stages = [lambda x: x, _holding(name, 1, 7)]
    assert sorted(run_to_end(name, range(20), stages, [5, 5], maxsize)) == list(range(20))  # type: ignore[type-var]


@pytest.mark.parametrize("workers", [[16], [16, 16]])
def test_many_wide_workers_and_one_item(name: str, workers: list[int]) -> None:
    """W = 16, N = 1: V3p's hardest case to see."""
    last = len(workers) - 1
    stages = [*([abs] * last), _holding(name, last, 0)]
    assert run_to_end(name, [0], stages, workers) == [0]


# -- faults --------------------------------------------------------------------------------
class Fault(Exception):
    """A planted stage fault."""


@pytest.mark.parametrize("maxsize", [0, 1])
@pytest.mark.parametrize(
    ("workers", "failing_stage", "every_item"),
    [([5, 5], 0, False), ([5, 5], 1, False), ([1, 1], 0, False), ([1, 1], 1, True)],
)
def test_a_stage_fault_is_raised_to_the_caller(
    name: str, maxsize: int, workers: list[int], failing_stage: int, every_item: bool
) -> None:
    """No tutorial variant surfaces a fault: they lose silently or hang."""

    def stage_for(k: int) -> Any:
        def stage(x: int) -> int:
            if k == failing_stage and (every_item or x == 3):
                raise Fault(k, x)
            return x

        return stage

    with pytest.raises(Fault):
        run_to_end(name, range(20), [stage_for(0), stage_for(1)], workers, maxsize)
    assert_no_thread_of(name)


def test_a_consumer_that_raises_leaves_no_thread(name: str) -> None:
    """V2 hangs in its ``with`` block; V4's pool threads stay blocked in ``get()``."""

    def consume() -> None:
        for value in own(name)(range(1000), [abs, abs], [5, 5]):
            if value == 3:
                raise Fault("consumer")

    with pytest.raises(Fault, match="consumer"):
        bounded(consume)
    # The dropped stream cancels the run; its threads end once their blocked calls wake.
    for thread in [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]:
        join_started(thread, TIMEOUT)
    assert_no_thread_of(name)


# -- None as data ------------------------------------------------------------------------------
@pytest.mark.parametrize("maxsize", [0, 1])
def test_none_returned_by_a_stage_is_a_result(name: str, maxsize: int) -> None:
    """V1, V3p, V3f, V4 lose results; V2 hangs or returns spurious ``None``s."""
    results = run_to_end(
        name, range(20), [lambda x: None if x % 2 else x, lambda x: x], [5, 5], maxsize
    )
    assert multiset(results) == multiset([None] * 10 + list(range(0, 20, 2)))


# -- bounded queues ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("maxsize", [1, 2])
def test_queues_smaller_than_the_worker_count_do_not_hang(name: str, n: int, maxsize: int) -> None:
    """Every tutorial variant hangs at shutdown: the re-put markers do not fit."""
    assert sorted(run_to_end(name, range(n), [abs, abs], [5, 5], maxsize)) == list(range(n))  # type: ignore[type-var]


@pytest.mark.parametrize("maxsize", [1, 2])
def test_more_items_than_the_queues_hold_do_not_deadlock(name: str, maxsize: int) -> None:
    """Feeding everything before reading deadlocks once N + 1 > 3 x maxsize + W1 + W2."""
    n = 3 * maxsize + 10 + 50
    assert sorted(run_to_end(name, range(n), [abs, abs], [5, 5], maxsize)) == list(range(n))  # type: ignore[type-var]


def test_zero_items(name: str) -> None:
    assert run_to_end(name, [], [abs, abs], [5, 5]) == []


# -- settings the tutorial gets wrong do not exist here -----------------------------------------
def test_no_pool_size_or_barrier_size_to_get_wrong(name: str) -> None:
    """A pool too small or a barrier of the wrong size hangs or loses in V1 to V3."""
    for setting in ("pool_size", "barrier_parties"):
        with pytest.raises(TypeError, match=setting):
            reference.make(name, **{setting: 4})
