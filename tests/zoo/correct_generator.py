"""Correct: a streaming generator; daemon-free threads, results handed out as they come.

The caller's loop pulls results; a failed stage is re-raised in the caller (chained as
``RuntimeError(...) from error``); ``finally`` stops and joins the workers, also when
the caller abandons the generator.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


class _Stop:
    pass


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> Iterator[Any]:
    inbox: queue.Queue[Any] = queue.Queue()
    for item in items:
        inbox.put(item)
    stop = threading.Event()
    outbox: queue.Queue[tuple[str, Any]] = queue.Queue()

    def run_one(value: Any) -> None:
        try:
            for stage in stages:
                value = stage(value)
            outbox.put(("ok", value))
        except Exception as error:
            outbox.put(("error", error))

    def worker() -> None:
        while not stop.is_set():
            try:
                value = inbox.get_nowait()
            except queue.Empty:
                return
            run_one(value)

    threads = [threading.Thread(target=worker, name=f"gen-w{i}") for i in range(max(workers))]
    for thread in threads:
        thread.start()
    try:
        for _ in range(len(items)):
            kind, value = outbox.get()
            if kind == "error":
                raise RuntimeError("a stage failed") from value
            yield value
    finally:
        stop.set()
        for thread in threads:
            thread.join()
