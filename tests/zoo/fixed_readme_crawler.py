"""The README's example ("Test your own pipeline"): a small crawler with a sentinel.

Four threads fetch pages, two parse them; ``DONE`` ends each stage.  It loses titles
(a worker forwards ``DONE`` while a sibling still holds a page) and swallows stage
errors (the pools' futures are never looked at).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LOST", "SWALLOWED_ERROR", "HANG"})
PATCH = ("crawler:fetch", "crawler:parse")
EXPECT = "crawler:expected"
DONE = None


def fetch(url: Any) -> str:
    return f"<html><title>{url}</title></html>"  # stands for requests.get(url).text


def parse(page: str) -> str:
    return page.split("<title>")[1].split("</title>", maxsplit=1)[0].upper()


def expected(url: Any) -> str:
    return str(url).upper()


def _stage(work: Callable[[Any], Any], inbox: queue.Queue[Any], outbox: queue.Queue[Any]) -> None:
    while (item := inbox.get()) is not DONE:
        outbox.put(work(item))
    inbox.put(DONE)  # let the other workers of this stage stop too
    outbox.put(DONE)  # and tell the next stage


def crawl(urls: list[Any]) -> list[str]:
    todo: queue.Queue[Any] = queue.Queue()
    pages: queue.Queue[Any] = queue.Queue()
    titles: queue.Queue[Any] = queue.Queue()
    with ThreadPoolExecutor(4) as fetchers, ThreadPoolExecutor(2) as parsers:
        for _ in range(4):
            fetchers.submit(_stage, fetch, todo, pages)
        for _ in range(2):
            parsers.submit(_stage, parse, pages, titles)
        for url in urls:
            todo.put(url)
        todo.put(DONE)
        results = []
        while (title := titles.get()) is not DONE:
            results.append(title)
    return results
