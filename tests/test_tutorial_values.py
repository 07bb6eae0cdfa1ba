"""``None`` is the tutorial's end marker, so a stage that returns ``None`` ends the run early.

Scenarios run in a child interpreter (``tutorial_child``); stage 1 returns ``None`` for
item 0.  The item's correct result is ``stages[-1](None)``, here ``"None>1"``.
"""

from __future__ import annotations

import pytest

from tests.tutorial_child import Spec, run_child

ITEMS = [0, 1, 2]


def _none_from_stage_1(name: str, workers: list[int], items: list[int] = ITEMS) -> Spec:
    return {"variant": name, "items": items, "workers": workers, "none": {"0": [0]}}


@pytest.mark.smoke
@pytest.mark.parametrize(
    "name", ["single_pool", "barrier_as_published", "barrier", "separate_pools"]
)
def test_a_none_result_is_taken_for_the_marker_and_every_later_result_is_lost(name: str) -> None:
    verdict = run_child(_none_from_stage_1(name, [1, 1]))
    assert verdict.outcome == "returned", verdict
    assert verdict.results == []
    assert verdict.calls == [3, 0]  # stage 2 stopped at the None, before items 1 and 2


def test_counted_takes_a_forwarded_none_for_a_result_and_returns_a_spurious_none() -> None:
    """Both stage-2 workers forward a "marker", so two values always reach the caller."""
    verdict = run_child(_none_from_stage_1("counted", [1, 2], items=[0, 1]))
    assert verdict.outcome == "returned", verdict
    assert None in verdict.results
    assert "None>1" not in verdict.results


def test_counted_waits_forever_for_results_stranded_behind_a_none() -> None:
    verdict = run_child(_none_from_stage_1("counted", [1, 1]))
    assert verdict.outcome == "hung", verdict
    assert verdict.threads["caller"] == "Queue.get in _consume"
    assert verdict.calls == [3, 0]
