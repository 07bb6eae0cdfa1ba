"""HANG: bounded queues, and the caller feeds every item before it reads a result.

With more items than the queues and workers can hold, workers block putting results,
the caller blocks putting items: a deadlock that needs no error, only enough items.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED = frozenset({"HANG"})
PATCH = ("tests.zoo.fixed_hang_bounded_feed:compress",)
EXPECT = "tests.zoo.fixed_hang_bounded_feed:compress"


def compress(block: Any) -> str:
    return str(block)[::-1]


def pipeline(blocks: list[Any]) -> list[str]:
    todo: queue.Queue[Any] = queue.Queue(maxsize=8)
    done: queue.Queue[Any] = queue.Queue(maxsize=8)

    def work() -> None:
        while (block := todo.get()) is not None:
            try:
                done.put(("ok", compress(block)))
            except Exception as error:
                done.put(("error", error))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(4)]
    for w in workers:
        w.start()
    for block in blocks:
        todo.put(block)
    for _ in workers:
        todo.put(None)
    results = []
    for _ in blocks:
        kind, value = done.get()
        if kind == "error":
            raise value
        results.append(value)
    return results
