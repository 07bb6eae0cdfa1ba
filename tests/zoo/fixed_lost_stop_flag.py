"""LOST: consumers poll a queue until a stop flag is set, and the flag wins the race.

The producer sets ``stop`` right after its last ``put``; a consumer that checks the
flag before it gets the last items leaves them in the queue.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED = frozenset({"LOST", "SWALLOWED_ERROR"})  # a stage error ends its thread silently
PATCH = ("tests.zoo.fixed_lost_stop_flag:Normaliser.clean",)
EXPECT = "tests.zoo.fixed_lost_stop_flag:expected"


class Normaliser:
    def clean(self, record: Any) -> str:
        return str(record).strip().lower()


def expected(record: Any) -> str:
    return str(record).strip().lower()


def pipeline(records: list[Any]) -> list[str]:
    inbox: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    lock = threading.Lock()
    cleaned: list[str] = []
    normaliser = Normaliser()

    def consume() -> None:
        while not stop.is_set():
            try:
                record = inbox.get(timeout=0.005)
            except queue.Empty:
                continue
            value = normaliser.clean(record)
            with lock:
                cleaned.append(value)

    consumers = [threading.Thread(target=consume, name=f"clean-{i}") for i in range(2)]
    for c in consumers:
        c.start()
    for record in records:
        inbox.put(record)
    stop.set()
    for c in consumers:
        c.join()
    return cleaned
