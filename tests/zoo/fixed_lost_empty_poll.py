"""LOST: workers drain the queue "while not empty" and leave as soon as it looks empty.

A producer thread fills the queue while the workers run; a worker that finds it empty
for a moment exits, and once all have, the rest of the items are never processed.
Check-then-act: two workers may both see one item left; the loser blocks in ``get``
for ever (HANG).
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED = frozenset({"LOST", "HANG", "SWALLOWED_ERROR"})
PATCH = ("tests.zoo.fixed_lost_empty_poll:enrich",)
EXPECT = "tests.zoo.fixed_lost_empty_poll:enrich"


def enrich(record: Any) -> tuple[Any, int]:
    return record, hash(str(record)) % 97


def pipeline(records: list[Any]) -> list[tuple[Any, int]]:
    todo: queue.Queue[Any] = queue.Queue()
    lock = threading.Lock()
    out: list[tuple[Any, int]] = []

    def produce() -> None:
        for record in records:
            todo.put(record)

    def consume() -> None:
        while not todo.empty():
            record = todo.get()
            value = enrich(record)
            with lock:
                out.append(value)

    producer = threading.Thread(target=produce)
    producer.start()
    consumers = [threading.Thread(target=consume) for _ in range(3)]
    for c in consumers:
        c.start()
    producer.join()
    for c in consumers:
        c.join()
    return out
