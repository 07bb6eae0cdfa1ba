"""Correct, and particular about signals: it checks that SIGUSR1 has its default action
before relying on it (a worker is told to stop by a flag, never by a signal here), and
raises if the process it runs in installed a Python handler for it.  Outside the
harness, in a fresh interpreter, it passes; under the harness it must too.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    if signal.getsignal(signal.SIGUSR1) is not signal.SIG_DFL:
        raise RuntimeError("SIGUSR1 has a handler this program did not install")
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(max_workers=width) as pool:
            values = list(pool.map(stage, values))
    return values
