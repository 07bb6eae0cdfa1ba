"""Correct: logging through a ``QueueListener`` that each call starts and stops.

Like broken_leak_log_listener, workers' records go through a queue to a listener
thread, but the listener belongs to the call: started when the call begins, stopped
(its thread joined, its queue drained) in a ``finally`` whatever the stages do, and
its logger is the call's own (not registered with ``logging``), so nothing outlives
the call and two calls never share a listener.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from logging.handlers import QueueHandler, QueueListener
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    log = logging.Logger(f"{__name__}.call", logging.INFO)  # this call's, unregistered
    log.addHandler(QueueHandler(records))
    listener = QueueListener(records, logging.NullHandler())
    listener.start()
    try:
        values = list(items)
        for number, (stage, width) in enumerate(zip(stages, workers, strict=True)):
            with ThreadPoolExecutor(max_workers=width) as pool:
                values = list(pool.map(stage, values))
            log.info("stage %d done: %d values", number, len(values))
        return values
    finally:
        listener.stop()  # joins the listener's thread
