"""Correct: submit every item to stage 1, chain each finished future into the next stage.

Futures complete in any order; ``as_completed`` over a growing set would be awkward, so
each stage's pool gets the item as soon as the previous stage finished it (a callback
would hide errors: the caller re-raises through ``result()`` instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    pools = [
        ThreadPoolExecutor(w, thread_name_prefix=f"ascompleted-s{k}") for k, w in enumerate(workers)
    ]
    try:
        pending: dict[Future[Any], int] = {pools[0].submit(stages[0], x): 0 for x in items}
        results = []
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                k = pending.pop(future)
                value = future.result()  # re-raises a stage error
                if k + 1 == len(stages):
                    results.append(value)
                else:
                    pending[pools[k + 1].submit(stages[k + 1], value)] = k + 1
        return results
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
