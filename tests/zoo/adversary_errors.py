"""Adversary pipelines (the independent judge's zoo): stage errors handled wrongly.

Every function here is a target ``pipeline(items, stages, workers)``; its docstring
says the defect and the categories a harness may rightly report.  ``EXPECTED`` maps
each function's name to those categories.
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "retry_whole_batch": frozenset({"SWALLOWED_ERROR", "DUPLICATED"}),
    "log_and_continue": frozenset({"SWALLOWED_ERROR"}),
    "generic_failure": frozenset({"SWALLOWED_ERROR"}),
    "remote_traceback_text": frozenset({"SWALLOWED_ERROR"}),
    "first_exception_partial": frozenset({"SWALLOWED_ERROR"}),
}

Stages = Sequence[Callable[[Any], Any]]
_log = logging.getLogger("adversary.pipeline")
_STOP = object()


def retry_whole_batch(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """SWALLOWED_ERROR / DUPLICATED: items go in batches of 4, each batch through every
    stage on one worker, results appended as they come; a batch that fails is retried
    once from its start, so the items before the failure are delivered twice, and the
    error that a successful retry hides is never raised."""
    out: list[Any] = []
    lock = threading.Lock()

    def run_batch(batch: list[Any]) -> None:
        for attempt in range(2):
            try:
                for item in batch:
                    x = item
                    for stage in stages:
                        x = stage(x)
                    with lock:
                        out.append(x)
                return
            except Exception:
                if attempt == 1:
                    raise

    batches = [list(items[i : i + 4]) for i in range(0, len(items), 4)]
    with ThreadPoolExecutor(sum(workers)) as pool:
        for future in [pool.submit(run_batch, b) for b in batches]:
            future.result()
    return out


def log_and_continue(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> Iterator[Any]:
    """SWALLOWED_ERROR: a streaming pipeline of threads and queues whose workers
    ``logging.exception`` a failed item and carry on; the caller never hears of it."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception:
                _log.exception("item failed in stage %d, skipped", k)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for _ in range(workers[0]):
        qs[0].put(_STOP)
    try:
        while (x := qs[-1].get()) is not _STOP:
            yield x
    finally:
        for t in threads:
            t.join()


def generic_failure(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """SWALLOWED_ERROR: after each stage, ``if any(f.exception() ...): raise
    RuntimeError("stage failed")`` -- raised outside any ``except`` and not chained, so
    the stage's own exception is gone."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            futures = [pool.submit(stage, v) for v in values]
        if any(f.exception() is not None for f in futures):
            raise RuntimeError("stage failed")
        values = [f.result() for f in futures]
    return values


class WorkerError(Exception):
    """Carries a worker's formatted traceback to the caller."""


def remote_traceback_text(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """SWALLOWED_ERROR: workers send ``traceback.format_exc()`` back instead of the
    exception, and the caller raises ``WorkerError(text)``: the text quotes the stage's
    message, but the exception object (class, chain) is lost -- unrelated by the
    contract."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    failures: queue.Queue[str] = queue.Queue()

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception:
                failures.put(traceback.format_exc())

    pools = [
        [threading.Thread(target=work, args=(k,)) for _ in range(w)] for k, w in enumerate(workers)
    ]
    for pool in pools:
        for t in pool:
            t.start()
    for item in items:
        qs[0].put(item)
    for k, pool in enumerate(pools):
        for _ in pool:
            qs[k].put(_STOP)
        for t in pool:
            t.join()
    if not failures.empty():
        raise WorkerError(failures.get())
    return list(qs[-1].queue)


def first_exception_partial(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """SWALLOWED_ERROR: each stage waits with ``wait(return_when=FIRST_EXCEPTION)``,
    cancels what has not started, and passes on the results that did complete, so a
    failure shortens the output instead of raising."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        pool = ThreadPoolExecutor(width)
        try:
            futures = [pool.submit(stage, v) for v in values]
            _, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in pending:
                f.cancel()
            wait([f for f in pending if not f.cancelled()])
            finished = [f for f in futures if not f.cancelled()]
            values = [f.result() for f in finished if f.exception() is None]
        finally:
            pool.shutdown(wait=True)
    return values
