"""Adversary pipelines (the independent judge's zoo): an executor made at import time
and reused by every call (CONTRACT.md: threads that existed before the call are exempt).

Import this module only in a trial's child (``"module:attribute"`` targets): importing
it starts threads.  ``EXPECTED`` maps each function's name to the categories a harness
may rightly report (none: both are correct).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "shared_pool_warm": frozenset(),
    "shared_pool_lazy": frozenset(),
}

Stages = Sequence[Callable[[Any], Any]]
POOL_SIZE = 8

#: Created at import; its threads are started here, before any call.
WARM = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="warm-pool")
_started = threading.Barrier(POOL_SIZE + 1)
for _ in range(POOL_SIZE):
    WARM.submit(_started.wait)
_started.wait()

#: Created at import; ThreadPoolExecutor starts its threads on first use, in a call.
LAZY = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="lazy-pool")


def _through(stages: Stages, x: Any) -> Any:
    for stage in stages:
        x = stage(x)
    return x


def shared_pool_warm(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: every item through every stage on the module's long-lived pool, whose
    threads all exist before the call; ``workers`` is only a hint here."""
    return list(WARM.map(_through, [stages] * len(items), items))


def shared_pool_lazy(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """Correct: the same on a long-lived pool made at import whose threads are started
    lazily, by the first calls that need them.  Those threads are started *during* a
    call and outlive it, by design; they belong to an executor that existed before the
    call, which the contract exempts (a harness reading "threads that existed before
    the call" literally would report LEAKED_WORKER)."""
    return list(LAZY.map(_through, [stages] * len(items), items))
