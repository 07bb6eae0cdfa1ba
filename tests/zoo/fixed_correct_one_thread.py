"""Correct: a fixed pipeline whose one stage runs on a single thread, fed by the caller.

A reader thread calls ``normalise`` for every item in turn and hands results back on a
queue; an error ends the reader and is raised in the caller.  With hundreds of items
every harness delay on ``normalise`` is paid by that one thread in sequence.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

EXPECTED: frozenset[str] = frozenset()
PATCH = ("tests.zoo.fixed_correct_one_thread:normalise",)
EXPECT = "tests.zoo.fixed_correct_one_thread:expected"


def normalise(raw: Any) -> str:
    return str(raw).strip().lower()


def expected(raw: Any) -> str:
    return str(raw).strip().lower()


def pipeline(raws: list[Any]) -> list[str]:
    out: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def read() -> None:
        for raw in raws:
            try:
                out.put((True, normalise(raw)))
            except Exception as error:
                out.put((False, error))
                return

    reader = threading.Thread(target=read, name="reader")
    reader.start()
    results: list[str] = []
    try:
        for _ in raws:
            ok, value = out.get()
            if not ok:
                raise value
            results.append(value)
    finally:
        reader.join()
    return results
