"""HANG: every worker waits at a "warm-up" barrier after taking its first item, so a
stage with more workers than items never starts."""

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
    barriers = [threading.Barrier(w) for w in workers]
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        first = True
        while True:
            x = qs[k].get()
            if x is _END:
                break
            if first:
                barriers[k].wait()  # all workers warmed up before real work
                first = False
            qs[k + 1].put(stages[k](x))
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True, name=f"warm-s{k}-w{w}")
        for k in range(len(stages))
        for w in range(workers[k])
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for _ in range(workers[0]):
        qs[0].put(_END)
    out = []
    while (x := qs[-1].get()) is not _END:
        out.append(x)
    return out
