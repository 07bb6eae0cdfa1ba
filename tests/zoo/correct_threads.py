"""Correct: one thread per worker, a private end marker per worker, joins, first error re-raised.

Each stage's workers share an input queue; the caller feeds the items then one marker per
first-stage worker; the last worker of a stage to leave sends one marker per worker of the
next stage.  A stage error is remembered and the items still flowing are drained, so every
thread reaches its marker; the caller joins them all and raises the first error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        while True:
            value = queues[k].get()
            if value is _END:
                break
            if errors:
                continue  # drain: a stage already failed
            try:
                queues[k + 1].put(stages[k](value))
            except Exception as error:
                with lock:
                    errors.append(error)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                queues[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"correct-s{k}-w{w}")
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
