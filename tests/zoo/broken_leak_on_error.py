"""LEAKED_WORKER: a stage error is re-raised at once, but the other workers stay blocked
on their input queues (the stop markers are only sent on success)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"awkward": False}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _END:
            kind, value = x
            if kind == "ok":
                try:
                    x = ("ok", stages[k](value))
                except Exception as error:
                    x = ("error", error)
            qs[k + 1].put(x)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"onerr-s{k}-w{w}")
        for k in range(len(stages))
        for w in range(workers[k])
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(("ok", item))
    out = []
    for _ in items:
        kind, value = qs[-1].get()
        if kind == "error":
            raise value  # the workers are left waiting
        out.append(value)
    for k, width in enumerate(workers):
        for _ in range(width):
            qs[k].put(_END)
    for t in threads:
        t.join()
    return out
