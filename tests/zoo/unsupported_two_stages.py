"""Takes only two stages and raises ``stress.Unsupported`` otherwise (correct when it runs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stress import Unsupported

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    if len(stages) != 2:
        raise Unsupported("this pipeline has exactly two stages")
    first, second = stages
    with ThreadPoolExecutor(workers[0]) as a, ThreadPoolExecutor(workers[1]) as b:
        return list(b.map(second, list(a.map(first, items))))


def never(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    raise Unsupported("takes nothing")


NOT_CALLABLE = 42
