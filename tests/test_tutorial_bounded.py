"""Bounded queues (``maxsize``): every marker a worker re-puts or forwards must fit.

A stage's queue ends a run holding one marker per worker of the stage before it, and
the last queue one per last-stage worker (less the one a marker-reading caller takes),
so a ``maxsize`` below the worker count blocks a ``put`` forever, even for 0 or 1
items.  Separately, a caller that feeds every item before reading deadlocks once the
items exceed what the queues and the workers' hands hold.  All in child interpreters.
"""

from __future__ import annotations

import pytest

import reference
from tests.tutorial_child import Spec, expected, run_child

MARKER_FIRST = {"single_pool", "barrier_as_published", "barrier"}  # put None before reading


@pytest.mark.parametrize("count", [0, 1])
@pytest.mark.parametrize("name", reference.TUTORIAL)
def test_a_queue_smaller_than_a_stage_has_no_room_for_its_markers_and_every_variant_hangs(
    name: str, count: int
) -> None:
    verdict = run_child(
        {
            "variant": name,
            "items": list(range(count)),
            "workers": [2, 2],
            "settings": {"maxsize": 1},
        }
    )
    assert verdict.outcome == "hung", verdict
    assert any(spot.startswith("Queue.put in ") for spot in verdict.parked(f"{name}-s"))
    assert verdict.calls == [count, count]  # the items got through; the markers did not


@pytest.mark.smoke
@pytest.mark.parametrize("name", reference.TUTORIAL)
def test_queues_as_large_as_each_stage_hold_every_marker(name: str) -> None:
    verdict = run_child(
        {"variant": name, "items": [], "workers": [2, 2], "settings": {"maxsize": 2}}
    )
    assert (verdict.outcome, verdict.results) == ("returned", [])


@pytest.mark.parametrize("name", reference.TUTORIAL)
def test_feeding_every_item_before_reading_deadlocks_once_the_pipeline_is_full(name: str) -> None:
    """With 1 + 1 workers and maxsize 1, three queues and two workers hold 5 items in all."""
    fits = 3 * 1 + 1 + 1 - (1 if name in MARKER_FIRST else 0)

    def feeding(count: int) -> Spec:
        return {
            "variant": name,
            "items": list(range(count)),
            "workers": [1, 1],
            "settings": {"maxsize": 1},
        }

    verdict = run_child(feeding(fits))
    assert (verdict.outcome, verdict.results) == ("returned", expected(list(range(fits)), 2))
    verdict = run_child(feeding(fits + 1))
    assert verdict.outcome == "hung", verdict
    assert verdict.threads["caller"].startswith("Queue.put in ")
