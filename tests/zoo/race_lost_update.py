"""HANG: a worker count decremented with ``left[k] -= 1`` by every worker as it leaves.

The decrement is a read, a subtraction and a write: a worker suspended between its read
and its write (a few bytecodes; no call, so plain thread switching never stops there)
writes back a stale count, a sibling's departure is lost, the count never reaches 0 and
nobody forwards the end markers: the caller waits forever.  ``fixed_pipeline`` is the
same pipeline with the decrement under a lock (the twin that must pass).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

_END = object()


def _run(
    items: Sequence[Any],
    stages: Sequence[Callable[[Any], Any]],
    workers: Sequence[int],
    *,
    locked: bool,
) -> list[Any]:
    queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []
    left = list(workers)
    lock = threading.Lock()

    def leave(k: int) -> bool:
        """True for the last worker of stage ``k`` to leave (with ``locked``)."""
        if locked:
            with lock:
                left[k] -= 1
                return left[k] == 0
        left[k] -= 1  # the lost update: read ... write, a few bytecodes apart
        return left[k] == 0

    def work(k: int) -> None:
        while (value := queues[k].get()) is not _END:
            if errors:
                continue  # a stage failed: drain to the end marker
            try:
                queues[k + 1].put(stages[k](value))
            except Exception as error:
                errors.append(error)
        if leave(k):
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                queues[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"lost-update-s{k}-w{w}")
        for k in range(len(stages))
        for w in range(workers[k])
    ]
    for thread in threads:
        thread.start()
    for item in items:
        queues[0].put(item)
    for _ in range(workers[0]):
        queues[0].put(_END)
    results = []
    while (value := queues[-1].get()) is not _END:
        results.append(value)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return _run(items, stages, workers, locked=False)


def fixed_pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return _run(items, stages, workers, locked=True)
