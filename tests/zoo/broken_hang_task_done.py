"""HANG: stages are waited out with ``Queue.join()``, and a worker whose stage call
raises skips its ``task_done()``, so the join never returns.

The feeder puts every item, then ``join()``s the first queue before telling its workers
to stop; each worker calls ``task_done()`` only after a successful call.  One stage
exception leaves the queue's unfinished-task count above zero for ever.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"awkward": False}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (item := qs[k].get()) is not _END:
            try:
                qs[k + 1].put(stages[k](item))
            except Exception as error:
                errors.append(error)
                continue  # the bug: no task_done() for this item
            qs[k].task_done()

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True, name=f"joined-s{k}-w{w}")
        for k, width in enumerate(workers)
        for w in range(width)
    ]
    for thread in threads:
        thread.start()
    for item in items:
        qs[0].put(item)
    for k, width in enumerate(workers):
        qs[k].join()  # every item of stage k done (so, all put on queue k + 1)
        for _ in range(width):
            qs[k].put(_END)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    results = []
    while not qs[-1].empty():
        results.append(qs[-1].get())
    return results
