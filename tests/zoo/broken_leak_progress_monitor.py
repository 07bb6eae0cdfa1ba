"""LEAKED_WORKER: a progress bar whose library starts a monitor thread that never stops.

The pipeline shows a tqdm bar over its results.  tqdm's first bar in a process starts
a monitor thread (``tqdm.monitor_interval`` is 10 s by default) that lives until the
interpreter exits, so every call in a fresh process leaves one thread behind: a leak
by the contract's rule, in real life as under the harness.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tqdm

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    with tqdm.tqdm(total=len(values) * len(stages), file=sys.stderr, desc="pipeline") as bar:
        for stage, width in zip(stages, workers, strict=True):
            with ThreadPoolExecutor(max_workers=width) as pool:
                values = list(pool.map(stage, values))
            bar.update(len(values))
    return values
