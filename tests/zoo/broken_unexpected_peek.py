"""UNEXPECTED_ERROR: peeks at ``items[0]`` to size its batches, so no items -> IndexError."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"UNEXPECTED_ERROR"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False, "max_items": 3}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    batch = 8 if isinstance(items[0], int) else 1  # "ints are cheap, batch them"
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values, chunksize=batch))
    return values
