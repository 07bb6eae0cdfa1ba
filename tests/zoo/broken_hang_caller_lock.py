"""HANG: the caller holds the statistics lock while it waits for the next result, and
a worker needs that lock to count the result it is about to hand over (or to count
itself out at the end).

Whenever the caller reaches the last queue before the next result is there, it blocks
in ``get()`` holding ``stats``; the worker with that result blocks on ``stats`` before
its ``put``.  Neither can move: a two-thread deadlock, through a lock and a queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    stats = threading.Lock()
    handed = [0]
    left = list(workers)
    last = len(stages) - 1

    def work(k: int) -> None:
        while (item := qs[k].get()) is not _END:
            result = stages[k](item)
            if k == last:
                with stats:  # count what the caller is given
                    handed[0] += 1
            qs[k + 1].put(result)
        with stats:
            left[k] -= 1
            out = left[k] == 0
        qs[k].put(_END)  # for this stage's other workers
        if out:
            qs[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True, name=f"stats-s{k}-w{w}")
        for k, width in enumerate(workers)
        for w in range(width)
    ]
    for thread in threads:
        thread.start()
    for item in items:
        qs[0].put(item)
    qs[0].put(_END)
    results = []
    while True:
        with stats:  # the bug: waits for the next result holding the lock
            result = qs[-1].get()
        if result is _END:
            break
        results.append(result)
    for thread in threads:
        thread.join()
    return results
