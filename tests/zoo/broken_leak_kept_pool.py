"""LEAKED_WORKER: executors are kept in a module-level cache "for reuse" but a new one is
made per call and none is ever shut down, so each call leaves its threads behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

_POOLS: list[ThreadPoolExecutor] = []


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        pool = ThreadPoolExecutor(width)
        _POOLS.append(pool)
        values = list(pool.map(stage, values))
    return values
