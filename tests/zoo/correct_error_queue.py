"""Correct: library-style workers report a stage error on an error queue *before*
``task_done()``, so once the caller's ``Queue.join()`` returns every error of that
stage is on the queue; the caller raises the first.  (race_swallow_error_queue is
the same pipeline with the two lines the other way round.)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    errors: queue.Queue[BaseException] = queue.Queue()
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        todo: queue.Queue[Any] = queue.Queue()
        out: list[Any] = []
        lock = threading.Lock()

        def work(
            todo: queue.Queue[Any] = todo,
            stage: Any = stage,
            out: list[Any] = out,
            lock: threading.Lock = lock,
        ) -> None:
            while True:
                item = todo.get()
                if item is todo:  # the queue itself is the end marker: never an item
                    todo.task_done()
                    return
                try:
                    value = stage(item)
                    with lock:
                        out.append(value)
                except Exception as error:
                    errors.put(error)
                finally:
                    todo.task_done()

        threads = [threading.Thread(target=work) for _ in range(width)]
        for thread in threads:
            thread.start()
        for value in values:
            todo.put(value)
        todo.join()
        failed = not errors.empty()  # every task is done: its error must be reported by now
        for _ in threads:
            todo.put(todo)
        for thread in threads:
            thread.join()
        if failed:
            raise errors.get()
        values = out
    return values
