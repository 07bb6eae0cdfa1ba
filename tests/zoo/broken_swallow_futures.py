"""SWALLOWED_ERROR: one future per item; results are collected only from futures that
did not fail (``if f.exception() is None``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR"})
OPTIONS: dict[str, object] = {"awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(sum(workers)) as pool:
        futures = [pool.submit(through, x) for x in items]
    return [f.result() for f in futures if f.exception() is None]
