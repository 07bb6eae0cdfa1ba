"""A stage exception is never surfaced by a tutorial variant: the futures are discarded.

Each scenario runs in a child interpreter (``tutorial_child``).  A variant either
returns normally without the failed item's result (the error swallowed) or hangs:
every thread parked for good, the caller still waiting, proven by structure.
"""

from __future__ import annotations

import pytest

import reference
from tests.tutorial_child import Spec, Verdict, expected, run_child

READING = "Queue.get in _consume"
AT_BARRIER = "Barrier.wait in _before_forwarding_marker"


def _fault(
    name: str, stage: int, on: list[int] | str, workers: tuple[int, int] = (5, 5)
) -> Verdict:
    """Stage ``stage`` raises on the items ``on``; 10 items at 5 + 5, 3 at narrower shapes."""
    items = list(range(10 if workers == (5, 5) else 3))
    spec: Spec = {"variant": name, "items": items, "workers": list(workers)}
    spec["fail"] = {str(stage): on}
    return run_child(spec)


def _assert_swallowed(verdict: Verdict) -> None:
    assert verdict.outcome == "returned", verdict
    assert verdict.error == ""
    assert expected([0], 2)[0] not in verdict.results  # lost without a word
    assert set(verdict.results) <= set(expected(list(range(1, 10)), 2))


@pytest.mark.smoke
def test_single_pool_swallows_a_stage_1_fault_and_returns_without_the_item() -> None:
    _assert_swallowed(_fault("single_pool", 0, [0]))


@pytest.mark.parametrize("name", ["single_pool", "barrier_as_published"])
def test_a_stage_2_fault_is_swallowed_where_stage_2_forwards_the_marker_at_once(
    name: str,
) -> None:
    _assert_swallowed(_fault(name, 1, [0]))


@pytest.mark.parametrize("stage", [0, 1])
@pytest.mark.parametrize("name", ["counted", "separate_pools"])
def test_a_fault_leaves_a_counting_caller_waiting_forever_for_the_missing_result(
    name: str, stage: int
) -> None:
    verdict = _fault(name, stage, [0])
    assert verdict.outcome == "hung", verdict
    assert verdict.threads["caller"] == READING
    assert verdict.calls == ([10, 9] if stage == 0 else [10, 10])  # all other work done


@pytest.mark.parametrize(
    ("name", "stage"), [("barrier", 0), ("barrier", 1), ("barrier_as_published", 0)]
)
def test_a_fault_kills_a_worker_that_its_siblings_then_wait_for_at_the_barrier_forever(
    name: str, stage: int
) -> None:
    verdict = _fault(name, stage, [0])
    assert verdict.outcome == "hung", verdict
    assert verdict.parked(f"{name}-s{stage}-").count(AT_BARRIER) == 4
    assert verdict.threads["caller"] == READING


@pytest.mark.parametrize("stage", [0, 1])
@pytest.mark.parametrize("name", reference.TUTORIAL)
def test_with_one_worker_per_stage_a_fault_kills_the_only_worker_and_every_variant_hangs(
    name: str, stage: int
) -> None:
    verdict = _fault(name, stage, [0], workers=(1, 1))
    assert verdict.outcome == "hung", verdict
    assert verdict.parked(f"{name}-s{stage}-") == ["idle"]  # the dead worker's thread
    assert verdict.threads["caller"] == READING


@pytest.mark.parametrize("name", reference.TUTORIAL)
def test_a_fault_on_every_item_kills_every_stage_1_worker_and_every_variant_hangs(
    name: str,
) -> None:
    verdict = _fault(name, 0, "all")
    assert verdict.outcome == "hung", verdict
    # Five pool threads idle, the dead stage-1 workers', whatever their names: a pool
    # thread that starts late finds its task taken by a thread whose stage-1 task had
    # died (renamed then to stage 2), and idles under its pool name (seen on 3.14t).
    assert verdict.parked(name).count("idle") == 5, verdict.threads
    assert verdict.calls == [5, 0]
    assert verdict.threads["caller"] == READING
