"""Correct: the first stage runs on one thread of its own, whatever ``workers`` asks.

Written as a user would who must keep a stage single-threaded (a parser that is not
thread-safe): stage 0 is one plain thread, every later stage an executor whose futures
are kept in order.  The one thread makes every call of its stage, so whatever the
harness adds to a call is paid in sequence; a harness that slows "one sibling" slows
them all, and must still not call this pipeline hung.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    first: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def parse_all() -> None:
        for item in items:
            try:
                first.put((True, stages[0](item)))
            except BaseException as error:
                first.put((False, error))
                return

    parser = threading.Thread(target=parse_all, name="parser")
    parser.start()
    results: list[Any] = []
    try:
        for _ in items:
            ok, value = first.get()
            if not ok:
                raise value
            results.append(value)
    finally:
        parser.join()
    for stage, width in zip(stages[1:], workers[1:], strict=True):
        with ThreadPoolExecutor(max_workers=width) as pool:
            futures: list[Future[Any]] = [pool.submit(stage, value) for value in results]
            results = [future.result() for future in futures]
    return results
