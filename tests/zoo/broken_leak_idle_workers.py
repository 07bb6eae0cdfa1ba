"""LEAKED_WORKER: the caller reads exactly ``len(items)`` results and returns, never
telling the (non-daemon) workers to stop; they wait on their queues forever."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        while True:
            qs[k + 1].put(stages[k](qs[k].get()))

    for k, width in enumerate(workers):
        for w in range(width):
            threading.Thread(target=work, args=(k,), name=f"idle-s{k}-w{w}").start()
    for item in items:
        qs[0].put(item)
    return [qs[-1].get() for _ in items]
