"""Correct: each worker is a ``threading.Thread`` subclass with its own ``run``.

Stage k's workers read queue k and write queue k + 1; the caller feeds the items and one
end marker per first-stage worker; each worker that leaves takes its stage's count down
under a lock, and the last one sends one marker per next-stage worker.  A stage error is
kept and the rest drained; the caller joins every worker and raises the first error.
(Written for the deterministic mode, which must run ``Thread`` subclasses unchanged.)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}

_END = object()


class _Shared:
    def __init__(self, stages: int, workers: Sequence[int]) -> None:
        self.queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(stages + 1)]
        self.left = list(workers)
        self.widths = list(workers)
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()


class StageWorker(threading.Thread):
    """One worker of stage ``k``."""

    def __init__(self, shared: _Shared, k: int, stage: Callable[[Any], Any]) -> None:
        super().__init__(name=f"subclass-s{k}", daemon=True)
        self.shared, self.k, self.stage = shared, k, stage

    def run(self) -> None:
        shared, k = self.shared, self.k
        while (value := shared.queues[k].get()) is not _END:
            if shared.errors:
                continue
            try:
                shared.queues[k + 1].put(self.stage(value))
            except Exception as error:
                with shared.lock:
                    shared.errors.append(error)
        with shared.lock:
            shared.left[k] -= 1
            last = shared.left[k] == 0
        if last:
            following = shared.widths[k + 1] if k + 1 < len(shared.widths) else 1
            for _ in range(following):
                shared.queues[k + 1].put(_END)


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    shared = _Shared(len(stages), workers)
    threads = [
        StageWorker(shared, k, stage) for k, stage in enumerate(stages) for _ in range(workers[k])
    ]
    for thread in threads:
        thread.start()
    for item in items:
        shared.queues[0].put(item)
    for _ in range(workers[0]):
        shared.queues[0].put(_END)
    results = []
    while (value := shared.queues[-1].get()) is not _END:
        results.append(value)
    for thread in threads:
        thread.join()
    if shared.errors:
        raise shared.errors[0]
    return results
