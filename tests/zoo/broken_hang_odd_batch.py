"""HANG: the caller reads results two at a time ("pairs for the writer"), so an odd
number of items leaves it waiting for a partner that never comes."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    inbox: queue.Queue[Any] = queue.Queue()
    results: queue.Queue[Any] = queue.Queue()

    def work() -> None:
        while (x := inbox.get()) is not _END:
            for stage in stages:
                x = stage(x)
            results.put(x)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(workers))]
    for t in threads:
        t.start()
    for item in items:
        inbox.put(item)
    out: list[Any] = []
    while len(out) < len(items):
        out.extend([results.get(), results.get()])  # pairs
    for _ in threads:
        inbox.put(_END)
    return out
