"""LEAKED_WORKER: ``correct_lazy_pool``'s twin, but the "shared" executor is made inside
the call (on first use) and never shut down: its threads were started during the call
by an executor that did not exist before it, and they stay idle past the grace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False, "max_items": 20}

_POOL: list[ThreadPoolExecutor] = []


def _through(stages: Sequence[Callable[[Any], Any]], x: Any) -> Any:
    for stage in stages:
        x = stage(x)
    return x


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    if not _POOL:  # each trial's process starts with none: made in the call
        _POOL.append(ThreadPoolExecutor(8, thread_name_prefix="call-made"))
    return list(_POOL[0].map(_through, [stages] * len(items), items))
