"""DUPLICATED: a "straggler" item is resubmitted after a short wait; both copies are kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

EXPECTED = frozenset({"DUPLICATED"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

STRAGGLER_SECONDS = 0.002


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    def through(x: Any) -> Any:
        for stage in stages:
            x = stage(x)
        return x

    with ThreadPoolExecutor(sum(workers)) as pool:
        futures: list[Future[Any]] = [pool.submit(through, x) for x in items]
        _, slow = wait(futures, timeout=STRAGGLER_SECONDS)
        retries = [
            pool.submit(through, x) for x, f in zip(items, futures, strict=True) if f in slow
        ]
        return [f.result() for f in futures + retries]
