"""HANG: join-based shutdown, stage by stage; a stage error kills its worker before
``task_done()``, the other workers drain the queue and leave, and the caller waits in
``Queue.join()`` alone.

Each stage's queue is filled before its workers start; a worker takes items with
``get_nowait()`` until the queue is empty, then returns.  An exception in the stage call
ends that worker's thread with its item never marked done, so ``join()`` never
returns: the caller is then the only thread of the call, waiting untimed in
``Queue.join()``.  The harness must prove this deadlock before the trial timeout, say
so in the reason, and name ``join of queue.Queue ... unfinished tasks=1`` in the dump.
(tests/zoo/correct_join_drain.py is the same shape, done right.)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {}


def _stage(stage: Callable[[Any], Any], width: int, inputs: list[Any]) -> list[Any]:
    todo: queue.Queue[Any] = queue.Queue()
    for item in inputs:
        todo.put(item)
    done: list[Any] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            result = stage(item)  # the bug: an exception skips task_done() below
            with lock:
                done.append(result)
            todo.task_done()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(width)]
    for thread in threads:
        thread.start()
    todo.join()
    for thread in threads:
        thread.join()
    return done


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    current = list(items)
    for stage, width in zip(stages, workers, strict=True):
        current = _stage(stage, width, current)
    return current
