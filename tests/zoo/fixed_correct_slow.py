"""Correct but slow: each record takes 100 ms (a wait that stands for I/O), two workers.

With many records a trial outlives a short trial timeout while items keep moving:
that is no HANG.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED: frozenset[str] = frozenset()
PATCH: tuple[str, ...] = ()
EXPECT = "tests.zoo.fixed_correct_slow:expected"
_IO = threading.Event()  # never set: waiting on it stands for 100 ms of I/O


def expected(record: Any) -> Any:
    return record


def pipeline(records: list[Any]) -> list[Any]:
    todo: queue.Queue[Any] = queue.Queue()
    done: queue.Queue[Any] = queue.Queue()

    def work() -> None:
        while (record := todo.get()) is not None:
            _IO.wait(0.1)
            done.put(record)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for record in records:
        todo.put(record)
    out = [done.get() for _ in records]
    for _ in workers:
        todo.put(None)
    for w in workers:
        w.join()
    return out
