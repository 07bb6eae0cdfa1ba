"""The tutorial's correct protocols deliver exactly once for any shape, with plain values.

counted, barrier and separate_pools, unbounded queues, no faults, no ``None`` data:
for 1-3 stages of 1-8 workers and 0-50 int items (duplicates included), the results
are the expected multiset, even when one chosen stage call is held until the rest of
the pipeline is parked (the schedule that loses it on single_pool and
barrier_as_published whenever the marker can overtake it).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from tests.tutorial_child import expected
from tests.tutorial_gates import TIMEOUT, Hold, calling, tag


class _Once:
    """True for the first call whose value comes from ``origin``; exact under its lock."""

    def __init__(self, origin: int) -> None:
        self._origin, self._taken, self._lock = str(origin), False, threading.Lock()

    def take(self, value: object) -> bool:
        with self._lock:
            hit = not self._taken and str(value).split(">")[0] == self._origin
            self._taken = self._taken or hit
            return hit


def _holding_once(k: int, hold: Hold, once: _Once) -> Callable[[object], str]:
    def stage(x: object) -> str:
        value = tag(k)(x)
        if once.take(x):
            hold.park("held")
        return value

    return stage


@pytest.mark.parametrize("name", ["counted", "barrier", "separate_pools"])
@settings(deadline=None)
@given(
    workers=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    items=st.lists(st.integers(-5, 30), max_size=50),
    data=st.data(),
)
def test_a_correct_tutorial_protocol_delivers_each_result_exactly_once(
    name: str, workers: list[int], items: list[int], data: st.DataObject
) -> None:
    stages: list[Callable[[object], str]] = [tag(k) for k in range(len(workers))]
    with calling() as caller:
        if items:
            k = data.draw(st.integers(0, len(workers) - 1), label="held stage")
            origin = data.draw(st.sampled_from(items), label="held item")
            stages[k] = _holding_once(k, caller.hold, _Once(origin))
        future = caller.start(reference.VARIANTS[name], items, stages, workers)
        if items:
            caller.hold.wait_entered(1)
            caller.wait_until_quiescent()
            caller.hold.release_all()
        assert Counter(future.result(TIMEOUT)) == Counter(expected(items, len(workers)))
