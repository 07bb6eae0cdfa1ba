"""Adversary pipelines (the independent judge's zoo): values and bookkeeping mishandled.

Every function here is a target ``pipeline(items, stages, workers)``; its docstring
says the defect and the categories a harness may rightly report.  ``EXPECTED`` maps
each function's name to those categories.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "falsy_means_stop": frozenset({"LOST"}),
    "futures_by_id": frozenset({"LOST"}),
    "pop_after_success": frozenset({"DUPLICATED", "LOST"}),
    "sorted_by_value": frozenset({"UNEXPECTED_ERROR"}),
    "chunks_drop_remainder": frozenset({"LOST"}),
    "empty_input_rejected": frozenset({"UNEXPECTED_ERROR"}),
}

Stages = Sequence[Callable[[Any], Any]]


def falsy_means_stop(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """LOST: workers stop on ``if not item: break``; the caller sends ``None``
    per worker, but an item or a stage result that is ``0``, ``False``, ``""`` or
    ``None`` stops a worker too: that value is dropped, and once every worker of a stage
    has stopped early what is still queued for it is stranded."""
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            item = qs[k].get()
            if not item:
                break
            try:
                qs[k + 1].put(stages[k](item))
            except Exception as error:
                errors.append(error)

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
            qs[k].put(None)
        for t in pool:
            t.join()
    if errors:
        raise errors[0]
    return list(qs[-1].queue)


def futures_by_id(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """LOST: futures are kept in a dict keyed by ``id(item)`` ("lists are not hashable").

    Equal small values and singletons (``None``, ``False``, ``0``, a repeated object)
    share an id, so a later future replaces an earlier one and its result is dropped.
    """

    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(max(workers)) as pool:
        futures: dict[int, Future[Any]] = {id(x): pool.submit(through, x) for x in items}
        return [f.result() for f in futures.values()]


def pop_after_success(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """DUPLICATED (and LOST): "remove an item only once it is done, so a crash loses
    nothing": ``x = todo[-1]``, process, ``todo.pop()``, with no lock.  Two workers
    read the same last item (its result twice) and each pops one (the other is lost)."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        todo = list(values)
        done: list[Any] = []
        errors: list[BaseException] = []

        def work(
            stage: Callable[[Any], Any],
            todo: list[Any],
            done: list[Any],
            errors: list[BaseException],
        ) -> None:
            while todo and not errors:
                try:
                    x = todo[-1]
                except IndexError:
                    return
                try:
                    done.append(stage(x))
                except Exception as error:
                    errors.append(error)
                    return
                try:
                    todo.pop()
                except IndexError:
                    return

        threads = [
            threading.Thread(target=work, args=(stage, todo, done, errors)) for _ in range(width)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        values = done
    return values


def sorted_by_value(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """UNEXPECTED_ERROR: results are sorted "for a deterministic output" with
    ``sorted(results)``, which raises ``TypeError`` when they mix ints with ``None``,
    strings, lists or dicts."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    return sorted(values)


def chunks_drop_remainder(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """LOST: each stage splits its input into one chunk per worker of
    ``len(values) // width`` items (at least 1): the remainder is dropped whenever the
    width does not divide the count."""
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        size = max(1, len(values) // width)
        chunks = [values[i * size : (i + 1) * size] for i in range(width)]

        def run(chunk: list[Any], stage: Callable[[Any], Any] = stage) -> list[Any]:
            return [stage(x) for x in chunk]

        with ThreadPoolExecutor(width) as pool:
            values = [y for part in pool.map(run, chunks) for y in part]
    return values


def empty_input_rejected(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """UNEXPECTED_ERROR: ``ValueError`` on an empty item list ("nothing to do is a bug
    upstream"); the contract allows no items.  Otherwise a correct chunked pipeline."""
    if not items:
        raise ValueError("pipeline called with no items")
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        size = math.ceil(len(values) / width)
        chunks = [values[i : i + size] for i in range(0, len(values), size)]
        with ThreadPoolExecutor(width) as pool:
            parts = list(pool.map(lambda c, s=stage: [s(x) for x in c], chunks))
        values = [y for part in parts for y in part]
    return values
