"""SWALLOWED_ERROR: a worker prints a failed item's error and carries on; the caller
gets the other results and never hears of the failure."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR"})
OPTIONS: dict[str, object] = {"awkward": False}

_FAILED = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def safe(stage: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def call(x: Any) -> Any:
            if x is _FAILED:
                return x
            try:
                return stage(x)
            except Exception as error:
                print(f"skipping item: {error}", file=sys.stderr)
                return _FAILED

        return call

    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(safe(stage), values))
    return [v for v in values if v is not _FAILED]
