"""Correct: join-based shutdown, stage by stage (the shape of broken_hang_join_dead_workers,
done right).

Each stage's queue is filled before its workers start; a worker takes items with
``get_nowait()`` until the queue is empty, then returns.  Every item taken is marked
done in a ``finally``, whatever the stage call did, so ``Queue.join()`` always returns;
a stage error is remembered and re-raised once the stage's workers are joined.  The
caller waits untimed in ``Queue.join()`` while workers run: no deadlock, and the proof
must not fire (the workers are running or gone by the time the caller is alone, and
then ``join()`` has returned).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def _stage(stage: Callable[[Any], Any], width: int, inputs: list[Any]) -> list[Any]:
    todo: queue.Queue[Any] = queue.Queue()
    for item in inputs:
        todo.put(item)
    done: list[Any] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                result = stage(item)
            except Exception as error:
                with lock:
                    errors.append(error)
            else:
                with lock:
                    done.append(result)
            finally:
                todo.task_done()

    threads = [threading.Thread(target=work) for _ in range(width)]
    for thread in threads:
        thread.start()
    todo.join()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return done


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    current = list(items)
    for stage, width in zip(stages, workers, strict=True):
        current = _stage(stage, width, current)
    return current
