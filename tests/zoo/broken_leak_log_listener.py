"""LEAKED_WORKER: a helper starts a logging ``QueueListener`` at first use, for good.

A common recipe for logging from worker threads without blocking them on a slow
handler: records go on a queue, and a ``logging.handlers.QueueListener`` thread hands
them to the real handler.  Here the module sets that up lazily, the first time a
pipeline logs, and never stops the listener: the first call in a process leaves the
listener's thread running after it returns, in real life as under the harness (each
trial is a fresh process, so each trial's call is a first call).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from logging.handlers import QueueHandler, QueueListener
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"faults": False}

_setup = threading.Lock()
_listener: QueueListener | None = None
_log = logging.getLogger(f"{__name__}.progress")


def _progress_log() -> logging.Logger:
    """The module's logger, its listener started by whoever logs first."""
    global _listener
    with _setup:
        if _listener is None:
            records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
            _listener = QueueListener(records, logging.NullHandler())
            _listener.start()  # never stopped: the leak
            _log.addHandler(QueueHandler(records))
            _log.propagate = False
            _log.setLevel(logging.INFO)
    return _log


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    log = _progress_log()
    values = list(items)
    for number, (stage, width) in enumerate(zip(stages, workers, strict=True)):
        with ThreadPoolExecutor(max_workers=width) as pool:
            values = list(pool.map(stage, values))
        log.info("stage %d done: %d values", number, len(values))
    return values
