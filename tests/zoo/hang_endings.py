"""Hangs that end in the waits real pipelines end in, one pipeline per wait.

Each is a deadlock by construction (whatever the items): the caller ends up waiting,
untimed, in ``Queue.join()``, ``Thread.join()``, ``Future.result()``,
``concurrent.futures.wait()``, ``as_completed()`` or ``Executor.shutdown(wait=True)``,
while every other thread of the call is gone or waits untimed too.  The harness must
prove each deadlock before the trial timeout and give a reason that matches its dump.
Not a ``broken_`` zoo module: these are fixtures of tests/test_stress_hangreason.py.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Stages = Sequence[Callable[[Any], Any]]


def queue_join_alone(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Workers drop out after one item without ``task_done()``; the caller joins alone."""
    todo: queue.Queue[Any] = queue.Queue()
    for item in items:
        todo.put(item)
    todo.put(None)

    def one_then_quit() -> None:
        todo.get()  # and never task_done()

    threads = [threading.Thread(target=one_then_quit) for _ in range(max(1, len(items)) + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    todo.join()
    return []


def thread_join(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """The caller joins a worker that waits for an end marker nobody sends."""
    inbox: queue.Queue[Any] = queue.Queue()
    results: list[Any] = []

    def work() -> None:
        while (item := inbox.get()) is not None:
            results.append(stages[0](item))

    worker = threading.Thread(target=work)
    worker.start()
    for item in items:
        inbox.put(item)
    worker.join()  # the None marker was never put
    return results


def future_result(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """A hand-made future that the thread meant to complete it never does."""
    done: Future[list[Any]] = Future()
    start = threading.Event()

    def produce() -> None:
        start.wait()  # never set: the caller forgot
        done.set_result([stages[0](item) for item in items])

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    return done.result()


def _stuck_pool(items: Sequence[Any]) -> tuple[ThreadPoolExecutor, list[Future[Any]]]:
    gate: queue.Queue[Any] = queue.Queue()  # nobody ever puts: each task waits forever
    pool = ThreadPoolExecutor(max_workers=2)
    return pool, [pool.submit(gate.get) for _ in range(max(1, len(items)))]


def futures_wait(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    pool, futures = _stuck_pool(items)
    concurrent.futures.wait(futures)
    pool.shutdown()
    return [f.result() for f in futures]


def futures_as_completed(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    pool, futures = _stuck_pool(items)
    results = [f.result() for f in concurrent.futures.as_completed(futures)]
    pool.shutdown()
    return results


def executor_shutdown(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Leaving the ``with`` block waits for tasks that wait for each other."""
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in items or [None]:
            pool.submit(gate.wait)
    return list(items)


ENDINGS = (
    queue_join_alone,
    thread_join,
    future_result,
    futures_wait,
    futures_as_completed,
    executor_shutdown,
)
