"""DUPLICATED (and SWALLOWED_ERROR): items go through in chunks; a chunk that fails is
retried whole, although the results of its items that succeeded were already kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR", "DUPLICATED"})
OPTIONS: dict[str, object] = {"awkward": False}

CHUNK = 3
RETRIES = 2


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    out: list[Any] = []
    with ThreadPoolExecutor(max(workers)) as pool:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            for attempt in range(RETRIES + 1):
                futures = [pool.submit(through, x) for x in chunk]
                failed = False
                for future in as_completed(futures):
                    if future.exception() is None:
                        out.append(future.result())  # kept even if the chunk is retried
                    else:
                        failed = True
                if not failed:
                    break
                if attempt == RETRIES:
                    raise RuntimeError("chunk failed") from futures[0].exception()
    return out
