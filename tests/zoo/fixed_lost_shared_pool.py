"""LOST: the tutorial's first listing as a fixed pipeline (2 stages x 5 workers, one pool).

Every worker that sees the ``None`` marker puts it back for its siblings and forwards
it at once, so the marker overtakes items still in a sibling's hands; the caller
stops at the first marker it reads.
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LOST", "SWALLOWED_ERROR"})  # a stage error ends its thread silently
PATCH = ("tests.zoo.fixed_lost_shared_pool:double", "tests.zoo.fixed_lost_shared_pool:inc")
EXPECT = "tests.zoo.fixed_lost_shared_pool:expected"


def double(x: int) -> int:
    return 2 * x


def inc(x: int) -> int:
    return x + 1


def expected(x: int) -> int:
    return 2 * x + 1


def _task(work: Any, inbox: queue.Queue[Any], outbox: queue.Queue[Any]) -> None:
    while True:
        item = inbox.get()
        if item is None:
            inbox.put(None)
            outbox.put(None)
            break
        outbox.put(work(item))


def pipeline(items: list[int]) -> list[int]:
    q1: queue.Queue[Any] = queue.Queue()
    q2: queue.Queue[Any] = queue.Queue()
    q3: queue.Queue[Any] = queue.Queue()
    out = []
    with ThreadPoolExecutor(10) as pool:
        for _ in range(5):
            pool.submit(_task, double, q1, q2)
        for _ in range(5):
            pool.submit(_task, inc, q2, q3)
        for item in items:
            q1.put(item)
        q1.put(None)
        while (result := q3.get()) is not None:
            out.append(result)
    return out
