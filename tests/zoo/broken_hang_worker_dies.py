"""HANG: a stage error kills its worker thread silently; the caller waits for a count of
results that never arrives."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"awkward": False}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _END:
            qs[k + 1].put(stages[k](x))  # an exception ends this thread

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True, name=f"dies-s{k}-w{w}")
        for k in range(len(stages))
        for w in range(workers[k])
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    out = [qs[-1].get() for _ in items]
    for k in range(len(stages)):
        for _ in range(workers[k]):
            qs[k].put(_END)
    return out
