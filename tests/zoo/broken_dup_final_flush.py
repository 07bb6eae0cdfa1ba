"""DUPLICATED: results are handed out in chunks and the final flush re-sends the last
chunk when the count is a multiple of the chunk size (an off-by-one in the flush)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"DUPLICATED"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

CHUNK = 4


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> Iterator[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK:
            yield from chunk
            last, chunk = chunk, []
    if chunk or values:
        yield from (chunk or last)  # meant: only what is left
