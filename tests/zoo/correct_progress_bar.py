"""Correct: a progress bar that starts no thread of its own.

Like broken_leak_progress_monitor, but the bar is a subclass of tqdm's with the
monitor off (``monitor_interval = 0`` on the subclass only), so nothing outlives the
call; executors are closed by their ``with`` blocks and a stage error propagates.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tqdm

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


class QuietBar(tqdm.tqdm):  # type: ignore[type-arg]
    """A bar without tqdm's monitor thread."""

    monitor_interval = 0


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    with QuietBar(total=len(values) * len(stages), file=sys.stderr, desc="pipeline") as bar:
        for stage, width in zip(stages, workers, strict=True):
            with ThreadPoolExecutor(max_workers=width) as pool:
                values = list(pool.map(stage, values))
            bar.update(len(values))
    return values
