"""Sizes the tutorial leaves to the user: the shared pool and each stage's barrier.

A shared pool runs the loops in submission order, so a pool no larger than stage 1
never starts stage 2, and one smaller than a stage never fills that stage's barrier.
A barrier sized unlike its stage never fills (hang) or releases in groups (the gated
loss is in test_tutorial_races).  Hangs are proven in child interpreters.
"""

from __future__ import annotations

from collections import Counter

import pytest

import reference
from tests.tutorial_child import Spec, expected, run_child
from tests.tutorial_gates import TIMEOUT, calling, tags

AT_BARRIER = "Barrier.wait in _before_forwarding_marker"


def _spec(name: str, workers: list[int], items: list[int], **settings: int) -> Spec:
    return {"variant": name, "items": items, "workers": workers, "settings": settings}


def test_counted_with_a_pool_no_larger_than_stage_1_never_starts_stage_2_and_hangs() -> None:
    verdict = run_child(_spec("counted", [5, 5], [0], pool_size=5))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked("counted-s1-") == []  # no stage-2 loop ever got a thread
    assert verdict.threads["caller"] == "Queue.get in _consume"
    assert verdict.calls == [1, 0]


def test_barrier_with_a_pool_smaller_than_stage_1_never_fills_the_barrier_and_hangs() -> None:
    verdict = run_child(_spec("barrier", [5, 5], [], pool_size=4))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked("barrier-s0-") == [AT_BARRIER] * 4


@pytest.mark.smoke
def test_a_pool_of_6_for_5_plus_5_barrier_workers_does_not_hang_as_stage_1_finishes_first() -> None:
    items = list(range(20))
    with calling() as caller:
        future = caller.start(reference.make("barrier", pool_size=6), items, tags(2), [5, 5])
        assert Counter(future.result(TIMEOUT)) == Counter(expected(items, 2))


@pytest.mark.parametrize("name", ["barrier", "barrier_as_published"])
def test_a_barrier_larger_than_stage_1_never_fills_and_hangs(name: str) -> None:
    verdict = run_child(_spec(name, [2, 2], [], barrier_parties=3))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked(f"{name}-s0-") == [AT_BARRIER] * 2


@pytest.mark.parametrize("name", ["barrier", "barrier_as_published"])
def test_a_barrier_smaller_than_stage_1_leaves_the_odd_worker_waiting_forever(name: str) -> None:
    verdict = run_child(_spec(name, [3, 2], [], barrier_parties=2))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked(f"{name}-s0-").count(AT_BARRIER) == 1
    assert verdict.threads["caller"] == "Executor.__exit__ in _drive"  # the marker got through


def test_a_barrier_smaller_than_stage_2_leaves_the_odd_worker_waiting_forever() -> None:
    verdict = run_child(_spec("barrier", [2, 3], [], barrier_parties=2))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked("barrier-s1-").count(AT_BARRIER) == 1


def test_barrier_as_published_never_reaches_its_stage_2_barrier_so_a_wrong_size_passes() -> None:
    """The setting that strands a stage-2 worker of ``barrier`` (above) does nothing here."""
    verdict = run_child(_spec("barrier_as_published", [2, 3], [], barrier_parties=2))
    assert (verdict.outcome, verdict.results) == ("returned", [])
