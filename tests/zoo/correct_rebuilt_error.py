"""Correct: stage errors cross a pickle boundary (as between processes), so the caller
gets a re-created copy of the injected fault, not the object itself.  By the contract a
copy of the same class whose message holds the token still counts."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def _run(stage: Callable[[Any], Any], value: Any) -> tuple[bool, bytes | Any]:
    try:
        return True, stage(value)
    except Exception as error:
        return False, pickle.dumps(error)


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            outcomes = list(pool.map(_run, [stage] * len(values), values))
        for ok, payload in outcomes:
            if not ok:
                raise pickle.loads(payload)
        values = [payload for _, payload in outcomes]
    return values
