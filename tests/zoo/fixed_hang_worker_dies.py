"""HANG: a stage error kills its worker thread; the caller waits for a result forever.

Workers are plain threads; an exception in ``resize`` ends the thread (it is printed
by ``threading.excepthook``) and its item's result never arrives.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED = frozenset({"HANG"})
PATCH = ("tests.zoo.fixed_hang_worker_dies:resize",)
EXPECT = "tests.zoo.fixed_hang_worker_dies:resize"


def resize(size: int) -> int:
    return size // 2 + 1


def pipeline(sizes: list[int]) -> list[int]:
    todo: queue.Queue[Any] = queue.Queue()
    done: queue.Queue[int] = queue.Queue()

    def work() -> None:
        while (size := todo.get()) is not None:
            done.put(resize(size))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(3)]
    for w in workers:
        w.start()
    for size in sizes:
        todo.put(size)
    results = [done.get() for _ in sizes]
    for _ in workers:
        todo.put(None)
    for w in workers:
        w.join()
    return results
