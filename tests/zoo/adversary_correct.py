"""Adversary pipelines (the independent judge's zoo): correct ones, in several styles.

Every function here is a correct target ``pipeline(items, stages, workers)`` by
CONTRACT.md section 1; a harness must let each pass.  ``EXPECTED`` maps each name to
the empty set of categories.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

_NAMES = (
    "lazy_map_chain",
    "as_completed_per_stage",
    "stagewise_markers",
    "task_done_join",
    "polling_stream",
    "exception_group",
    "raise_from_wrapper",
    "sorted_by_index",
    "chunked_map",
    "unjoined_threads_exit",
    "iterator_with_close",
)
EXPECTED: dict[str, frozenset[str]] = {name: frozenset() for name in _NAMES}

Stages = Sequence[Callable[[Any], Any]]
_STOP = object()


def lazy_map_chain(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: one executor per stage, each ``map`` fed the previous stage's lazy
    ``map`` iterator; an error surfaces from whichever ``map`` pulls it."""
    with contextlib.ExitStack() as stack:
        values: Iterable[Any] = items
        for stage, width in zip(stages, workers, strict=True):
            pool = stack.enter_context(ThreadPoolExecutor(width))
            values = pool.map(stage, values)
        return list(values)


def as_completed_per_stage(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """Correct: per stage, submit everything and gather with ``as_completed`` (results
    in completion order); ``result()`` re-raises a stage error."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            futures = [pool.submit(stage, v) for v in values]
            values = [f.result() for f in as_completed(futures)]
    return values


def stagewise_markers(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: every stage's threads run at once; the caller sends one private marker per
    worker of stage k, joins stage k, then sends stage k+1's markers.  Errors are kept
    and raised after every join."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            if errors:
                continue
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)

    pools = [
        [threading.Thread(target=work, args=(k,), name=f"stagewise-s{k}-w{w}") for w in range(n)]
        for k, n in enumerate(workers)
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
    if errors:
        raise errors[0]
    return list(qs[-1].queue)


def task_done_join(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: ``Queue.task_done``/``Queue.join``.  Stage k's queue is joined after stage
    k-1's, so every item has passed it; then each worker gets a marker and is joined."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            x = qs[k].get()
            try:
                if x is _STOP:
                    return
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)
            finally:
                qs[k].task_done()

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k, n in enumerate(workers)
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for q in qs[:-1]:
        q.join()
    for k, n in enumerate(workers):
        for _ in range(n):
            qs[k].put(_STOP)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return list(qs[-1].queue)


def polling_stream(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> Iterator[Any]:
    """Correct: a generator; workers poll with ``get(timeout=0.01)`` so they can notice a
    stop event, but *when* to stop is decided by a locked count of finished items, not
    by an empty poll.  ``finally`` sets the event and joins, also on an error."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    stop = threading.Event()

    def work(k: int) -> None:
        while not stop.is_set():
            try:
                x = qs[k].get(timeout=0.01)
            except queue.Empty:
                continue
            try:
                y = stages[k](x)
            except Exception as error:
                qs[-1].put(("error", error))
                continue
            qs[k + 1].put(("ok", y) if k + 1 == len(stages) else y)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"poll-s{k}-w{w}")
        for k, n in enumerate(workers)
        for w in range(n)
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
    finally:
        stop.set()
        for t in threads:
            t.join()


def exception_group(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: every item runs through all stages in one pool; all failures are raised
    together as an ``ExceptionGroup`` once every future is done."""

    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(sum(workers)) as pool:
        futures = [pool.submit(through, x) for x in items]
    errors = [e for f in futures if (e := f.exception()) is not None]
    if errors:
        raise BaseExceptionGroup(f"{len(errors)} item(s) failed", errors)
    return [f.result() for f in futures]


class PipelineError(Exception):
    """The pipeline's own error, always chained to the stage's."""

    def __init__(self, stage: int, item: Any) -> None:
        super().__init__(f"stage {stage} failed on {item!r}")
        self.stage, self.item = stage, item


def raise_from_wrapper(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: failures are recorded as (stage, item, error) and, after the pool is
    done, raised as ``PipelineError(...) from error``."""
    failures: list[tuple[int, Any, BaseException]] = []
    lock = threading.Lock()

    def step(k: int, x: Any) -> Any:
        try:
            return stages[k](x)
        except Exception as error:
            with lock:
                failures.append((k, x, error))
            raise

    values = list(items)
    for k, width in enumerate(workers):
        with ThreadPoolExecutor(width) as pool:
            futures = [pool.submit(step, k, v) for v in values]
        if failures:
            stage, item, error = failures[0]
            raise PipelineError(stage, item) from error
        values = [f.result() for f in futures]
    return values


def sorted_by_index(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: results come back as (index, value) in completion order and are sorted
    by index only, restoring input order whatever the values are."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        while (job := qs[k].get()) is not _STOP:
            i, x = job
            try:
                qs[k + 1].put((i, stages[k](x)))
            except Exception as error:
                with lock:
                    errors.append(error)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,)) for k, n in enumerate(workers) for _ in range(n)
    ]
    for t in threads:
        t.start()
    for job in enumerate(items):
        qs[0].put(job)
    for _ in range(workers[0]):
        qs[0].put(_STOP)
    pairs = []
    while (job := qs[-1].get()) is not _STOP:
        pairs.append(job)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [x for _, x in sorted(pairs, key=lambda p: p[0])]


def chunked_map(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: each stage splits its input into ``ceil(n / width)``-sized chunks (the
    last one shorter), one task per chunk."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        size = max(1, math.ceil(len(values) / width))
        chunks = [values[i : i + size] for i in range(0, len(values), size)]

        def run(chunk: list[Any], stage: Callable[[Any], Any] = stage) -> list[Any]:
            return [stage(x) for x in chunk]

        with ThreadPoolExecutor(width) as pool:
            values = [y for part in pool.map(run, chunks) for y in part]
    return values


def unjoined_threads_exit(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """Correct: never joins its threads, but each one ends right after it has handed on
    its last value (the last worker of a stage forwards the markers, then returns), so
    none is alive long after the call returns or raises."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    left = list(workers)
    lock = threading.Lock()
    errors: list[BaseException] = []

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


class _Results:
    """An iterator (not a generator) over results, with a ``close()`` that joins."""

    def __init__(self, items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> None:
        self._pools = [ThreadPoolExecutor(n) for n in workers]
        self._left = len(items)
        self._done: queue.Queue[Any] = queue.Queue()
        self._stages = stages
        for x in items:
            self._pools[0].submit(self._step, 0, x)

    def _step(self, k: int, x: Any) -> None:
        try:
            y = self._stages[k](x)
        except Exception as error:
            self._done.put(("error", error))
            return
        if k + 1 == len(self._stages):
            self._done.put(("ok", y))
        else:
            self._pools[k + 1].submit(self._step, k + 1, y)

    def __iter__(self) -> _Results:
        return self

    def __next__(self) -> Any:
        if self._left == 0:
            self.close()
            raise StopIteration
        kind, value = self._done.get()
        if kind == "error":
            self.close()
            raise value
        self._left -= 1
        return value

    def close(self) -> None:
        for pool in self._pools:  # in stage order: stage k's tasks submit to stage k+1
            pool.shutdown(wait=True)


def iterator_with_close(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> _Results:
    """Correct: returns an iterator object whose ``close()`` shuts the pools down; each
    task submits its item's next stage to the next stage's pool."""
    return _Results(items, stages, workers)
