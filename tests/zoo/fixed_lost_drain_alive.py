"""LOST: the caller reads while any worker is alive, and never drains what is left.

A worker can put its last result and exit between the caller's ``get`` and its
``is_alive`` check: that result stays in the queue.  A window of microseconds, which a
yield after ``get`` opens; slower stages close it.
"""

from __future__ import annotations

import contextlib
import queue
import threading

EXPECTED = frozenset({"LOST", "SWALLOWED_ERROR"})  # a stage error ends its thread silently
PATCH = ("tests.zoo.fixed_lost_drain_alive:square",)
EXPECT = "tests.zoo.fixed_lost_drain_alive:square"


def square(x: int) -> int:
    return x * x


def pipeline(numbers: list[int]) -> list[int]:
    todo: queue.Queue[int] = queue.Queue()
    results: queue.Queue[int] = queue.Queue()
    for n in numbers:
        todo.put(n)

    def work() -> None:
        while True:
            try:
                n = todo.get_nowait()
            except queue.Empty:
                return
            results.put(square(n))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    out = []
    while any(t.is_alive() for t in threads):
        with contextlib.suppress(queue.Empty):
            out.append(results.get(timeout=0.01))
    return out
