"""UNEXPECTED_ERROR: "fail fast": a worker that sees a stage error prints it and ends the
whole process with ``os._exit(1)``; the caller never gets to raise or return."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"UNEXPECTED_ERROR"})
OPTIONS: dict[str, object] = {"awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def through(x: Any) -> Any:
        try:
            for stage in stages:
                x = stage(x)
        except Exception:
            traceback.print_exc()
            os._exit(1)
        return x

    with ThreadPoolExecutor(max(workers)) as pool:
        return list(pool.map(through, items))
