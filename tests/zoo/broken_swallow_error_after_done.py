"""SWALLOWED_ERROR, a narrow race: a job queue that reports a failed job *after* marking
it done.

Library style: ``JobQueue`` runs jobs on a fixed set of threads, and its ``join()``
waits with ``Queue.join()`` for every job to be marked done, then raises the failures
collected so far as an ``ExceptionGroup``.  A worker whose job raised marks the job
done first, then builds the failure's report (a ``JobFailed`` chained to the error) and
records it.  When the failed job is the last one, ``Queue.join()`` can return between
those two steps: ``join()`` finds no failure, the stage's output silently lacks the
item, and the call returns normally without it.  Needs the worker preempted just after
``task_done()`` with the failing job the last: plain calls showed it in 0 of 3,000 at
the default switch interval (12 of 3,000 at 1 us); the search's preemption strategies
found it on each of 8 seeds within 8 s (the sibling correct_error_before_done records
the failure first).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR"})
OPTIONS: dict[str, object] = {}

_MISSING = object()


class JobFailed(Exception):
    """One job's failure; its ``__cause__`` is what the job raised."""


class JobQueue:
    """Runs ``fn(value)`` jobs on ``width`` threads; ``join()`` raises their failures."""

    def __init__(self, fn: Callable[[Any], Any], width: int) -> None:
        self._fn = fn
        self._jobs: queue.Queue[tuple[int, Any] | None] = queue.Queue()
        self._failures: queue.SimpleQueue[JobFailed] = queue.SimpleQueue()
        self.results: list[Any] = []
        self._threads = [threading.Thread(target=self._work) for _ in range(width)]
        for thread in self._threads:
            thread.start()

    def submit_all(self, values: Sequence[Any]) -> None:
        self.results = [_MISSING] * len(values)
        for job in enumerate(values):
            self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            index, value = job
            try:
                self.results[index] = self._fn(value)
            except Exception as error:
                self._jobs.task_done()  # too early: join() may return before the report
                failure = JobFailed(f"job {index} failed: {error!r}")
                failure.__cause__ = error
                self._failures.put(failure)
            else:
                self._jobs.task_done()
        self._jobs.task_done()

    def join(self) -> None:
        """Wait for every job; raise the failures recorded by then, if any."""
        self._jobs.join()
        failures = []
        while not self._failures.empty():
            failures.append(self._failures.get())
        if failures:
            raise ExceptionGroup(f"{len(failures)} job(s) failed", failures)

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        jobs = JobQueue(stage, width)
        try:
            jobs.submit_all(values)
            jobs.join()
        finally:
            jobs.close()
        values = [value for value in jobs.results if value is not _MISSING]
    return values
