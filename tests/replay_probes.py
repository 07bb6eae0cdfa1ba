"""Targets whose defect shows on chosen calls only, counted across processes.

Each call that gets at least one item takes the next number from the folder named by
the environment variable ``STRESS_REPLAY_CALLS`` (one file per call, made with
``O_EXCL``, so concurrent trials never share a number).  ``lose_once`` loses its results
on call 0 only: the search finds it and no re-run shows it again.  ``lose_alternately``
loses them on every other call: the re-runs show it on some runs, not all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

CALLS_ENV = "STRESS_REPLAY_CALLS"


def _call_number() -> int:
    folder = os.environ[CALLS_ENV]
    number = 0
    while True:
        try:
            os.close(os.open(os.path.join(folder, str(number)), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            number += 1
        else:
            return number


def run_stages(items: Sequence[Any], stages: Sequence[Callable[[Any], Any]]) -> list[Any]:
    """Every item through every stage, in order, on the calling thread."""
    values = list(items)
    for stage in stages:
        values = [stage(value) for value in values]
    return values


def lose_once(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = run_stages(items, stages)
    if values and _call_number() == 0:
        return []  # LOST, on the first call with items and never again
    return values


def lose_alternately(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = run_stages(items, stages)
    if values and _call_number() % 2 == 0:
        return []  # LOST on every other call with items
    return values
