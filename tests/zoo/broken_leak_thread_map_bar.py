"""LEAKED_WORKER: each stage runs through tqdm's ``thread_map``, whose bar starts tqdm's
monitor thread.

``tqdm.contrib.concurrent.thread_map(fn, values, max_workers=n)`` is ``list(map(...))``
on a ``ThreadPoolExecutor`` with a progress bar, and a tidy one: the pool is closed by
its ``with`` block and a stage error propagates.  But its bar is ``tqdm.auto.tqdm``,
and tqdm's first bar in a process starts a monitor thread (every 10 s it checks for
stalled bars) that never stops, so the first call in a process leaves it running:
a leak in real life, and in every trial (a fresh process each).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from tqdm.contrib.concurrent import thread_map

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for number, (stage, width) in enumerate(zip(stages, workers, strict=True)):
        values = thread_map(
            stage, values, max_workers=width, desc=f"stage {number}", file=sys.stderr, leave=False
        )
    return values
