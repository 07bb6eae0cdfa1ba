"""LOST: a pool per stage and one sentinel that any worker forwards as soon as it sees it.

The sentinel overtakes pages a sibling parser is still working on; the caller stops
reading at the first sentinel.  Stages are imported by name (``from ... import``).
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.zoo.fixed_stages import fetch, parse

EXPECTED = frozenset({"LOST", "SWALLOWED_ERROR"})  # a stage error ends its thread silently
PATCH = ("tests.zoo.fixed_stages:fetch", "tests.zoo.fixed_stages:parse")
EXPECT = "tests.zoo.fixed_stages:expected"
SENTINEL = None


def _worker(work: Any, inbox: queue.Queue[Any], outbox: queue.Queue[Any]) -> None:
    while True:
        item = inbox.get()
        if item is SENTINEL:
            inbox.put(SENTINEL)  # for the other workers of this stage
            outbox.put(SENTINEL)
            return
        outbox.put(work(item))


def pipeline(urls: list[Any]) -> list[Any]:
    todo: queue.Queue[Any] = queue.Queue()
    pages: queue.Queue[Any] = queue.Queue()
    done: queue.Queue[Any] = queue.Queue()
    with ThreadPoolExecutor(4) as fetchers, ThreadPoolExecutor(3) as parsers:
        for _ in range(4):
            fetchers.submit(_worker, fetch, todo, pages)
        for _ in range(3):
            parsers.submit(_worker, parse, pages, done)
        for url in urls:
            todo.put(url)
        todo.put(SENTINEL)
        results = []
        while (result := done.get()) is not SENTINEL:
            results.append(result)
    return results
