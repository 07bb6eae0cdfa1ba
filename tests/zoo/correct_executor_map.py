"""Correct: one ThreadPoolExecutor per stage, ``map`` stage by stage (a barrier per stage)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    return values
