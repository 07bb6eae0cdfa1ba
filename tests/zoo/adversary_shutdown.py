"""Adversary pipelines (the independent judge's zoo): shutdown decided the wrong way.

Every function here is a target ``pipeline(items, stages, workers)``; its docstring
says the defect and the categories a harness may rightly report.  ``EXPECTED`` maps
each function's name to those categories.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "idle_timeout_means_done": frozenset({"LOST"}),
    "empty_then_get": frozenset({"HANG"}),
    "counter_with_private_lock": frozenset({"HANG", "LOST"}),
    "done_event_on_last_result": frozenset({"HANG"}),
    "generator_joins_blocked_workers": frozenset({"HANG"}),
    "shutdown_nowait_on_error": frozenset({"LEAKED_WORKER"}),
}

_STOP = object()
Stages = Sequence[Callable[[Any], Any]]


def idle_timeout_means_done(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """LOST: a worker that waits 20 ms for input without getting any decides it is done.

    ``q.get(timeout=0.02)`` / ``except queue.Empty: break``.  Fine while stages are
    fast; when an upstream call takes longer than 20 ms every downstream worker may
    have left, and what comes later is stranded.  Errors are re-raised after the joins.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            try:
                x = qs[k].get(timeout=0.02)
            except queue.Empty:
                break  # nothing for a while: the work is over
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)

    for item in items:
        qs[0].put(item)
    threads = [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return list(qs[-1].queue)


def empty_then_get(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """HANG: stage by stage, workers loop ``while not q.empty(): x = q.get()``.

    Check-then-act: two workers see one item left, one takes it, the other blocks in
    ``get()`` forever and the caller's ``join`` with it.  One worker per stage works.
    """
    values: list[Any] = list(items)
    for stage, width in zip(stages, workers, strict=True):
        inbox: queue.Queue[Any] = queue.Queue()
        for v in values:
            inbox.put(v)
        outbox: queue.Queue[Any] = queue.Queue()
        errors: list[BaseException] = []

        def work(
            stage: Callable[[Any], Any],
            inbox: queue.Queue[Any],
            outbox: queue.Queue[Any],
            errors: list[BaseException],
        ) -> None:
            while not inbox.empty():
                x = inbox.get()
                try:
                    outbox.put(stage(x))
                except Exception as error:
                    errors.append(error)

        threads = [
            threading.Thread(target=work, args=(stage, inbox, outbox, errors), daemon=True)
            for _ in range(width)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        values = list(outbox.queue)
    return values


class _Stage:
    """A stage's workers and the count of those still running (see the bug in leave)."""

    def __init__(self, width: int) -> None:
        self.running = width

    def leave(self) -> bool:
        lock = threading.Lock()  # BUG: a new lock per call guards nothing
        with lock:
            running = self.running
            self.running = running - 1
            return running == 1


def counter_with_private_lock(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """HANG (or LOST): the last worker out forwards the markers, decided by a counter
    "protected" by a lock created inside the method, so each caller has its own.

    Two workers leaving at once both read the same count: nobody is last (the next
    stage and the caller wait forever), or both are (extra markers: a downstream worker
    may leave early).  Needs a preemption between the read and the write.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    state = [_Stage(w) for w in workers]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)
        if state[k].leave():
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k, w in enumerate(workers)
        for _ in range(w)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for _ in range(workers[0]):
        qs[0].put(_STOP)
    out = []
    while (x := qs[-1].get()) is not _STOP:
        out.append(x)
    if errors:
        raise errors[0]
    return out


def done_event_on_last_result(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """HANG: the caller waits on an event set by whoever stores the ``len(items)``-th
    result (or an error); with no items nobody ever sets it."""
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()

    def through(x: Any) -> None:
        try:
            for stage in stages:
                x = stage(x)
        except Exception as error:
            with lock:
                errors.append(error)
            done.set()
            return
        with lock:
            results.append(x)
            if len(results) == len(items):
                done.set()

    pool = ThreadPoolExecutor(max(workers))
    for item in items:
        pool.submit(through, item)
    done.wait()
    pool.shutdown(wait=True, cancel_futures=True)
    if errors:
        raise errors[0]
    return results


def generator_joins_blocked_workers(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> Iterator[Any]:
    """HANG: a streaming generator whose ``finally`` joins the workers, but on a stage
    error the markers were never sent, so workers blocked in ``get()`` are joined forever.

    Without stage errors it is correct: markers are sent once every result is read.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(("ok", stages[k](x)) if k + 1 == len(stages) else stages[k](x))
            except Exception as error:
                qs[-1].put(("error", error))

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k, w in enumerate(workers)
        for _ in range(w)
    ]
    for t in threads:
        t.start()
    try:
        for item in items:
            qs[0].put(item)
        for _ in items:
            kind, value = qs[-1].get()
            if kind == "error":
                raise value
            yield value
        for k, w in enumerate(workers):
            for _ in range(w):
                qs[k].put(_STOP)
    finally:
        for t in threads:
            t.join()  # after an error, nobody told them to stop


def shutdown_nowait_on_error(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """LEAKED_WORKER: queue-fed loops run in one executor per stage; on a stage error the
    caller calls ``shutdown(wait=False)`` and raises at once, but the loops are blocked
    in ``get()`` (no marker sent), so the executors' threads never end.  Without errors
    markers are sent and every pool is shut down properly."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def loop(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(("ok", stages[k](x)) if k + 1 == len(stages) else stages[k](x))
            except Exception as error:
                qs[-1].put(("error", error))

    pools = [ThreadPoolExecutor(w) for w in workers]
    for k, (pool, w) in enumerate(zip(pools, workers, strict=True)):
        for _ in range(w):
            pool.submit(loop, k)
    for item in items:
        qs[0].put(item)
    out = []
    for _ in items:
        kind, value = qs[-1].get()
        if kind == "error":
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=True)
            raise value
        out.append(value)
    for k, (pool, w) in enumerate(zip(pools, workers, strict=True)):
        for _ in range(w):
            qs[k].put(_STOP)
        pool.shutdown(wait=True)
    return out
