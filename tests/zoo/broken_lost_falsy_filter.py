"""LOST: drops falsy results (``[r for r in results if r]``), so ``None``/``0``/``""`` vanish."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LOST"})
OPTIONS: dict[str, object] = {"faults": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(max(workers)) as pool:
        results = list(pool.map(through, items))
    return [r for r in results if r]  # "skip empty results"
