"""HANG: bounded queues, and the caller feeds every item before reading any result, so
the pipeline deadlocks once there are more items than the queues and workers hold."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

MAXSIZE = 4
_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue(MAXSIZE) for _ in range(len(stages) + 1)]
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _END:
            qs[k + 1].put(stages[k](x))
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k in range(len(stages))
        for _ in range(workers[k])
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)  # blocks for good once everything downstream is full
    for _ in range(workers[0]):
        qs[0].put(_END)
    out = []
    while (x := qs[-1].get()) is not _END:
        out.append(x)
    return out
