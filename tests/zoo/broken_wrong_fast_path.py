"""WRONG_VALUE: a "fast path" for a single item applies only the first stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"WRONG_VALUE"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    if len(items) == 1:
        return [stages[0](items[0])]  # no threads needed for one item
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    return values
