"""HANG: futures-per-stage with ``as_completed``, but a failed future is skipped and the
next stage then waits for a count of inputs that never comes."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    handoff: queue.Queue[Any] = queue.Queue()
    with ThreadPoolExecutor(workers[0]) as first:
        futures = [first.submit(stages[0], x) for x in items]
        for f in as_completed(futures):
            if f.exception() is None:
                handoff.put(f.result())
    values = []
    for _ in items:
        values.append(handoff.get())  # one short after a failure: waits forever
    for stage, width in zip(stages[1:], workers[1:], strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    return values
