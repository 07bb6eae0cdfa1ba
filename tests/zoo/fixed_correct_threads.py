"""Correct: threads and queues, one stop marker per worker, errors carried to the caller.

Stages are module functions looked up at call time; the caller reads exactly one
outcome per item, then stops and joins every worker.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED: frozenset[str] = frozenset()
PATCH = ("tests.zoo.fixed_correct_threads:decode", "tests.zoo.fixed_correct_threads:score")
EXPECT = "tests.zoo.fixed_correct_threads:expected"
_STOP = object()


def decode(raw: Any) -> str:
    return repr(raw)


def score(text: str) -> int:
    return len(text)


def expected(raw: Any) -> int:
    return len(repr(raw))


def _work(inbox: queue.Queue[Any], outbox: queue.Queue[Any], stage: Any) -> None:
    while (item := inbox.get()) is not _STOP:
        kind, value = item
        if kind == "ok":
            try:
                item = ("ok", stage(value))
            except Exception as error:
                item = ("error", error)
        outbox.put(item)


def pipeline(raws: list[Any]) -> list[int]:
    decoded: queue.Queue[Any] = queue.Queue()
    scored: queue.Queue[Any] = queue.Queue()
    results: queue.Queue[Any] = queue.Queue()
    threads = [threading.Thread(target=_work, args=(decoded, scored, decode)) for _ in range(3)]
    threads += [threading.Thread(target=_work, args=(scored, results, score)) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for raw in raws:
            decoded.put(("ok", raw))
        out, error = [], None
        for _ in raws:
            kind, value = results.get()
            if kind == "ok":
                out.append(value)
            else:
                error = error or value
    finally:
        for _ in range(3):
            decoded.put(_STOP)
        for t in threads[:3]:
            t.join()
        for _ in range(2):
            scored.put(_STOP)
        for t in threads[3:]:
            t.join()
    if error is not None:
        raise error
    return out
