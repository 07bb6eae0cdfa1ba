"""Adversary pipelines (the independent judge's zoo): probes at the edges of the contract.

Timing far outside the harness's stage delays, a grace period overrun by a little,
values replaced by a fallback, endless retries, a cause hidden with ``from None``, and
the standard library's other thread pool.  ``EXPECTED`` maps each function's name to
the categories a harness may rightly report (empty: correct).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "idle_timeout_half_second": frozenset({"LOST"}),
    "linger_after_return": frozenset({"LEAKED_WORKER"}),
    "fallback_on_empty": frozenset({"WRONG_VALUE"}),
    "retry_until_it_works": frozenset({"SWALLOWED_ERROR", "HANG"}),
    "cause_hidden_from_none": frozenset(),
    "linger_briefly": frozenset(),
    "dummy_thread_pool": frozenset(),
    "busy_poll": frozenset(),
}

Stages = Sequence[Callable[[Any], Any]]
_STOP = object()


def idle_timeout_half_second(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """LOST: ``q.get(timeout=0.5)`` / ``except queue.Empty: break``.  Whenever some
    upstream call takes longer than half a second, downstream workers may all have left
    and what comes after is stranded.  Every thread ends; errors are re-raised."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            try:
                x = qs[k].get(timeout=0.5)
            except queue.Empty:
                return
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)

    threads = [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return list(qs[-1].queue)


def _countdown_pipeline(
    items: Sequence[Any], stages: Stages, workers: Sequence[int], linger: float
) -> list[Any]:
    """A correct countdown pipeline whose workers stay ``linger`` seconds after their
    last value ("keep warm in case more work comes"), unjoined."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    left = list(workers)
    lock = threading.Lock()
    errors: list[BaseException] = []
    never = threading.Event()

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                with lock:
                    errors.append(error)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_STOP)
        never.wait(linger)

    for k, n in enumerate(workers):
        for _ in range(n):
            threading.Thread(target=work, args=(k,), daemon=True).start()
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


def linger_after_return(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """LEAKED_WORKER: workers stay 1.4 s after the call returns (the contract's grace is
    1.0 s): a thread of the call is alive 1.0 s after it returned or raised."""
    return _countdown_pipeline(items, stages, workers, linger=1.4)


def linger_briefly(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: the same, but workers stay only 0.3 s, well inside the 1.0 s grace."""
    return _countdown_pipeline(items, stages, workers, linger=0.3)


def fallback_on_empty(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """WRONG_VALUE: ``stage(x) or x`` -- "if a stage gives nothing back, keep the value
    we had", so a stage's falsy result (``None``, ``0``, ``False``, ``""``) is replaced
    by its input."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(lambda x, s=stage: s(x) or x, values))
    return values


def retry_until_it_works(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """SWALLOWED_ERROR (or HANG): each stage call is retried until it succeeds.  A
    transient failure is hidden; a stage that always fails is retried forever."""

    def patient(stage: Callable[[Any], Any], x: Any) -> Any:
        while True:
            try:
                return stage(x)
            except Exception:
                continue

    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(patient, [stage] * len(values), values))
    return values


class PipelineFailed(Exception):
    """The pipeline's own error."""


def cause_hidden_from_none(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """Correct by the letter of CONTRACT.md section 1 (``__context__`` counts): a stage
    error is re-raised as ``PipelineFailed(...) from None`` inside the ``except``.  The
    traceback shows no cause (``__suppress_context__``), but ``__context__`` still
    holds the stage's exception."""
    values = list(items)
    for k, (stage, width) in enumerate(zip(stages, workers, strict=True)):
        with ThreadPoolExecutor(width) as pool:
            try:
                values = list(pool.map(stage, values))
            except Exception:
                raise PipelineFailed(f"stage {k} failed") from None
    return values


def dummy_thread_pool(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: ``multiprocessing.pool.ThreadPool`` per stage; ``map`` re-raises a
    stage's exception; ``close()`` then ``join()`` ends its workers and helper threads."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        pool = ThreadPool(width)
        try:
            values = pool.map(stage, values)
        finally:
            pool.close()
            pool.join()
    return values


def busy_poll(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct but wasteful: workers spin on ``get_nowait()`` until a shared count of
    finished items says all are through (no end markers, no blocking waits).  With
    many workers on few cores it is slow (spinning threads hold the GIL for whole
    switch intervals), but it always ends."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    finished = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            with lock:
                if finished[0] == len(items):
                    return
            try:
                x = qs[k].get_nowait()
            except queue.Empty:
                continue
            try:
                y = stages[k](x)
            except Exception as error:
                with lock:
                    errors.append(error)
                    finished[0] += 1
                continue
            if k + 1 == len(stages):
                with lock:
                    qs[k + 1].put(y)
                    finished[0] += 1
            else:
                qs[k + 1].put(y)

    threads = [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for item in items:
        qs[0].put(item)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return list(qs[-1].queue)
