"""HANG: two locks taken in opposite orders, on the item path and on the leaving path.

Each result is tallied under ``stats`` then ``state``; a leaving worker counts itself
out under ``state`` then ``stats``.  Neither path calls anything between its two
acquires, so plain thread switching almost never stops a thread there; a worker
suspended holding ``state`` while another, holding ``stats``, processes an item
deadlocks both.  ``fixed_pipeline`` takes the locks in one order everywhere.
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
    one_order: bool,
) -> list[Any]:
    queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []
    left = list(workers)
    tally = [0] * len(stages)
    stats, state = threading.Lock(), threading.Lock()

    def record(k: int) -> None:
        with stats:  # noqa: SIM117 -- two lines: a thread may stop between the acquires
            with state:  # order: stats, then state
                tally[k] += 1

    def leave(k: int) -> bool:
        first, second = (stats, state) if one_order else (state, stats)
        with first:  # noqa: SIM117 -- two lines: a thread may stop between the acquires
            with second:  # the broken twin: state, then stats
                left[k] -= 1
                return left[k] == 0

    def work(k: int) -> None:
        while (value := queues[k].get()) is not _END:
            if errors:
                continue  # a stage failed: drain to the end marker
            try:
                queues[k + 1].put(stages[k](value))
            except Exception as error:
                errors.append(error)
                continue
            record(k)
        if leave(k):
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                queues[k + 1].put(_END)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"lock-order-s{k}-w{w}")
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
    return _run(items, stages, workers, one_order=False)


def fixed_pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return _run(items, stages, workers, one_order=True)
