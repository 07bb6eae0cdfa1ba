"""UNEXPECTED_ERROR: tracks in-flight items in a set, so an unhashable item (a list or a
dict) raises ``TypeError``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"UNEXPECTED_ERROR"})
OPTIONS: dict[str, object] = {"faults": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    in_flight: set[Any] = set()
    lock = threading.Lock()

    def through(x: Any) -> Any:
        with lock:
            in_flight.add(x)
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(max(workers)) as pool:
        return list(pool.map(through, items))
