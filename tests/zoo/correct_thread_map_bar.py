"""Correct: tqdm's ``thread_map`` per stage, and the monitor thread its bar started is
stopped before the call returns.

The same pipeline as broken_leak_thread_map_bar, with one addition: the call notes
which monitor thread the bar class had before it (none, in a fresh process), and in a
``finally`` stops the one its bars started (``TMonitor.exit()`` sets its stop event
and joins it), so nothing the call started outlives it, whether a stage raised or not.
A monitor that was already running (another caller's bars) is left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import tqdm.auto
from tqdm.contrib.concurrent import thread_map

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    bar: Any = tqdm.auto.tqdm  # tqdm's stubs type neither tqdm_class nor TMonitor.exit
    earlier = bar.monitor
    try:
        values = list(items)
        for number, (stage, width) in enumerate(zip(stages, workers, strict=True)):
            values = thread_map(
                stage,
                values,
                max_workers=width,
                tqdm_class=bar,
                desc=f"stage {number}",
                file=sys.stderr,
                leave=False,
            )
        return values
    finally:
        started = bar.monitor
        if started is not None and started is not earlier:
            started.exit()  # stops and joins the monitor thread this call's bars started
            bar.monitor = earlier
