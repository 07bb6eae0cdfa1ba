"""Correct: a job queue that records a failed job's report *before* marking it done.

The same ``JobQueue`` as broken_swallow_error_after_done, with the worker's two steps
the other way round: a failure is built and recorded, and only then (in a ``finally``)
is the job marked done, so once ``Queue.join()`` returns every failure of the stage is
recorded and ``join()`` raises them as an ``ExceptionGroup`` holding each
``JobFailed``, chained to what the job raised.  The queue's threads are stopped and
joined whether the stage failed or not.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
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
                failure = JobFailed(f"job {index} failed: {error!r}")
                failure.__cause__ = error
                self._failures.put(failure)  # recorded before the job counts as done
            finally:
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
