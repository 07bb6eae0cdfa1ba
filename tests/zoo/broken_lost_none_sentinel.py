"""LOST: per-worker ``None`` sentinels, so an item or a stage result that is ``None``
stops a worker early."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"LOST", "HANG"})
OPTIONS: dict[str, object] = {"faults": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    done = [threading.Semaphore(0) for _ in stages]

    def work(k: int) -> None:
        while (x := qs[k].get()) is not None:
            qs[k + 1].put(stages[k](x))
        done[k].release()

    threads = []
    for k, width in enumerate(workers):
        for _ in range(width):
            threads.append(threading.Thread(target=work, args=(k,)))
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for k, width in enumerate(workers):
        for _ in range(width):
            qs[k].put(None)
        for _ in range(width):
            done[k].acquire()
    for t in threads:
        t.join()
    out = []
    while not qs[-1].empty():
        out.append(qs[-1].get())
    return out
