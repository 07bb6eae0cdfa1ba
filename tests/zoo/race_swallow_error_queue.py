"""SWALLOWED_ERROR, a rare race: a stage error is put on the error queue *after*
``task_done()``.

Library style: one pool of threads per stage takes work from a ``Queue``, hands
results on, and reports failures on a shared error queue; the caller waits with
``Queue.join()`` on each stage, then checks the error queue.  A worker marks its task
done before it reports the error, so when the failing task is the last one, the
caller's ``join()`` can return and find the error queue still empty: the call returns
normally, the error is lost.  Needs a preemption between two lines of the worker.
Like many such libraries it also ends a worker at a ``None`` item, so ``None`` as data
hangs or loses results (HANG, LOST): the detection benchmark, with awkward values on,
finds that first; the zoo's own tests turn awkward values off to meet the race.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR", "HANG", "LOST"})
OPTIONS: dict[str, object] = {"awkward": False}


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
            while (item := todo.get()) is not None:
                failure = None
                try:
                    value = stage(item)
                    with lock:
                        out.append(value)
                except Exception as error:
                    failure = error
                todo.task_done()
                if failure is not None:
                    errors.put(failure)  # too late: join() may have returned already
            todo.task_done()

        threads = [threading.Thread(target=work) for _ in range(width)]
        for thread in threads:
            thread.start()
        for value in values:
            todo.put(value)
        todo.join()
        failed = not errors.empty()  # every task is done: its error must be reported by now
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join()
        if failed:
            raise errors.get()
        values = out
    return values
