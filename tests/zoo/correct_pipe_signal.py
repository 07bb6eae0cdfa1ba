"""Correct: one worker thread runs every item through the stages and tells the caller
it is done by writing a byte to a pipe, which the caller blocks on reading.

Correct on real threads.  Under the deterministic mode's scheduler the caller blocks
in ``os.read`` (a system call the scheduler does not control) while the worker waits
for its turn: that run is *uncontrolled*, and the search must say so and fall back to
real threads, never pass on the schedules it did not control.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {"max_items": 20}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    read_end, write_end = os.pipe()
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for item in items:
                value = item
                for stage in stages:
                    value = stage(value)
                results.append(value)
        except Exception as error:
            errors.append(error)
        finally:
            os.write(write_end, b"x")

    worker = threading.Thread(target=work, name="pipe-worker")
    worker.start()
    try:
        os.read(read_end, 1)
        worker.join()
    finally:
        os.close(read_end)
        os.close(write_end)
    if errors:
        raise errors[0]
    return results
