"""LEAKED_WORKER: the user's code as written shows a tqdm bar while a pool works.

``thumbnail`` runs on a ``ThreadPoolExecutor`` (closed by its ``with`` block), and the
progress bar is plain ``tqdm.tqdm``: its first bar in a process starts tqdm's monitor
thread, which never stops.  Outside the harness that thread outlives the call too; the
harness must see it (it once hid it by switching tqdm's monitor off for good).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import tqdm

EXPECTED = frozenset({"LEAKED_WORKER"})
PATCH = ("tests.zoo.fixed_leak_progress_monitor:thumbnail",)
EXPECT = "tests.zoo.fixed_leak_progress_monitor:thumbnail"


def thumbnail(size: int) -> int:
    return max(1, size // 4)


def pipeline(sizes: list[int]) -> list[int]:
    results = []
    with (
        tqdm.tqdm(total=len(sizes), file=sys.stderr, desc="thumbnails") as bar,
        ThreadPoolExecutor(max_workers=3) as pool,
    ):
        for result in pool.map(thumbnail, sizes):
            results.append(result)
            bar.update()
    return results
