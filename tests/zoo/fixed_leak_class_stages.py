"""LEAKED_WORKER: a class whose methods are the stages; ``close`` stops one worker of two.

Each stage has two workers but ``close`` sends one stop marker per queue, so one
worker per stage stays blocked in ``get`` after the results are back.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
PATCH = (
    "tests.zoo.fixed_leak_class_stages:Indexer.tokenize",
    "tests.zoo.fixed_leak_class_stages:Indexer.count",
)
EXPECT = "tests.zoo.fixed_leak_class_stages:expected"
_STOP = object()


def expected(text: Any) -> int:
    return len(str(text).split("1"))


class Indexer:
    def __init__(self) -> None:
        self.raw: queue.Queue[Any] = queue.Queue()
        self.tokens: queue.Queue[Any] = queue.Queue()
        self.counts: queue.Queue[Any] = queue.Queue()
        self.workers = [
            threading.Thread(target=self._loop, args=(self.tokenize, self.raw, self.tokens))
            for _ in range(2)
        ] + [
            threading.Thread(target=self._loop, args=(self.count, self.tokens, self.counts))
            for _ in range(2)
        ]
        for worker in self.workers:
            worker.start()

    def tokenize(self, text: Any) -> list[str]:
        return str(text).split("1")

    def count(self, tokens: list[str]) -> int:
        return len(tokens)

    def _loop(self, work: Any, inbox: queue.Queue[Any], outbox: queue.Queue[Any]) -> None:
        while (item := inbox.get()) is not _STOP:
            kind, value = item
            if kind == "error":  # an earlier stage failed: pass the error on
                outbox.put(item)
                continue
            try:
                outbox.put(("ok", work(value)))
            except Exception as error:
                outbox.put(("error", error))

    def run(self, texts: list[Any]) -> list[int]:
        for text in texts:
            self.raw.put(("ok", text))
        results, error = [], None
        for _ in texts:
            kind, value = self.counts.get()
            if kind == "ok":
                results.append(value)
            else:
                error = error or value
        if error is not None:
            raise error
        return results

    def close(self) -> None:
        self.raw.put(_STOP)  # one marker for two workers
        self.tokens.put(_STOP)


def pipeline(texts: list[Any]) -> list[int]:
    indexer = Indexer()
    try:
        return indexer.run(texts)
    finally:
        indexer.close()
