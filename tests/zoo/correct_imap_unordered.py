"""Correct: ``multiprocessing.pool.ThreadPool`` per stage, ``imap_unordered``, closed and
joined; a stage error propagates out of the iteration, after the pool is terminated.
(Written for the deterministic mode, which must run ``ThreadPool`` unchanged.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from multiprocessing.pool import ThreadPool
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {"max_items": 40}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        pool = ThreadPool(width)
        try:
            values = list(pool.imap_unordered(stage, values))
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    return values
