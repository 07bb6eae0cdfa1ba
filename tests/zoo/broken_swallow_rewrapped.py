"""SWALLOWED_ERROR: a stage error is turned into a message, and a ``PipelineError`` is
raised from that message outside the ``except`` block: nothing chains to the original."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR"})
OPTIONS: dict[str, object] = {"awkward": False}


class PipelineError(RuntimeError):
    pass


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for k, (stage, width) in enumerate(zip(stages, workers, strict=True)):
        failure = ""
        with ThreadPoolExecutor(width) as pool:
            try:
                values = list(pool.map(stage, values))
            except Exception as error:
                failure = f"stage {k} failed: {error}"
        if failure:
            raise PipelineError(failure)
    return values
