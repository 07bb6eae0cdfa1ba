"""Correct: a pool per stage, one sentinel per worker, results counted by the caller.

Each stage gets as many sentinels as it has workers, so no sentinel overtakes an item;
a stage error is re-raised through the futures.  Stages are imported by name.
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from tests.zoo.fixed_stages import fetch, parse

EXPECTED: frozenset[str] = frozenset()
PATCH = ("tests.zoo.fixed_stages:fetch", "tests.zoo.fixed_stages:parse")
EXPECT = "tests.zoo.fixed_stages:expected"
_STOP = object()


def _worker(work: Any, inbox: queue.Queue[Any], outbox: queue.Queue[Any]) -> None:
    while (item := inbox.get()) is not _STOP:
        try:
            outbox.put(("ok", work(item)))
        except Exception as error:
            outbox.put(("error", error))


def pipeline(urls: list[Any]) -> list[Any]:
    todo: queue.Queue[Any] = queue.Queue()
    pages: queue.Queue[Any] = queue.Queue()
    done: queue.Queue[Any] = queue.Queue()
    with ThreadPoolExecutor(4) as fetchers, ThreadPoolExecutor(3) as parsers:
        futures = [fetchers.submit(_worker, fetch, todo, pages) for _ in range(4)]
        futures += [parsers.submit(_worker, _parse_or_pass, pages, done) for _ in range(3)]
        for url in urls:
            todo.put(url)
        for _ in range(4):
            todo.put(_STOP)
        results, error = [], None
        for _ in urls:
            kind, value = done.get()
            if kind == "ok":
                results.append(value)
            elif error is None:
                error = value
        for _ in range(3):
            pages.put(_STOP)
        wait(futures)
    if error is not None:
        raise error
    return results


def _parse_or_pass(tagged: tuple[str, Any]) -> Any:
    kind, value = tagged
    if kind == "error":
        raise value
    return parse(value)
