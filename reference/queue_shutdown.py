"""queue_shutdown: the last worker out of a stage shuts the next queue down.

Protocol (Python 3.13's ``queue.Queue.shutdown()``, backported to 3.11 and 3.12 by
:mod:`reference._shutdown_queue`): queue ``k`` holds stage ``k``'s results.  Stage 0's
workers pull items from the source one at a time (:meth:`StreamRun.pull`); a later
stage's worker reads its input queue until ``get`` raises ``ShutDown`` (the queue is
shut down *and* empty).  Either way a worker whose input has ended counts itself out,
and the last one out shuts its output queue down.  No marker travels with the data, so
any value is data.  Cancellation (the first failure, or the caller closing) shuts every
queue down with ``immediate=True``: queued items are dropped and every ``get`` and
``put``, blocked or not, raises ``ShutDown``, bounded queues included.

There is no feeder thread: a feeder blocked on a full ``Queue(maxsize)`` is woken, in
Python, once per item, which costs about 0.5 % of the makespan with 1 ms stage calls;
pulling costs an uncontended lock, and reads ahead one item per stage-0 worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from reference._shutdown_queue import ShutDown, ShutdownQueue
from reference._skeleton import Stage
from reference._streaming import ResultStream, StreamingVariant, StreamRun


class _ShutdownRun(StreamRun):
    """Queues ``0..n-1`` are shut-down-able ``Queue(maxsize)``s, one after each stage."""

    def __init__(
        self, name: str, stages: Sequence[Stage], workers: Sequence[int], maxsize: int
    ) -> None:
        super().__init__(name, stages, workers, maxsize)
        self.queues: list[ShutdownQueue[Any]] = [ShutdownQueue(maxsize) for _ in stages]

    def serve(self, k: int, stage: Stage) -> None:
        get = self.queues[k - 1].get if k else self.pull
        put, ended = self.queues[k].put, self.source_done
        while True:
            try:
                item = get()
            except ShutDown:  # input ended (or the run was cancelled)
                break
            if item is ended:  # only from pull(): the source ended, or cancelled
                break
            if self.cancelled:
                return
            try:
                result = stage(item)
            except BaseException as error:
                self.fail(error)
                return
            try:
                put(result)
            except ShutDown:  # only after cancellation
                return
        if self.leave_stage(k) and not self.cancelled:
            self.queues[k].shutdown()

    def _wake_everyone(self) -> None:
        for q in self.queues:
            q.shutdown(immediate=True)


class _ShutdownStream(ResultStream):
    """``ShutDown`` from the last queue ends the stream (drained, or cancelled)."""

    def __next__(self) -> object:
        try:
            return self._get()
        except ShutDown:
            pass
        except BaseException:  # the caller's thread interrupted (KeyboardInterrupt)
            self.close()
            raise
        return self._finish()  # raises StopIteration, or the run's failure


def _shut_down_again() -> object:
    raise ShutDown


class QueueShutdown(StreamingVariant):
    """``Queue.shutdown()`` end of input; immediate shutdown cancels; streams."""

    name: ClassVar[str] = "queue_shutdown"
    accepted_settings = frozenset({"maxsize"})

    def _new_run(self, stages: Sequence[Stage], workers: Sequence[int]) -> StreamRun:
        return _ShutdownRun(self.name, stages, workers, self.settings.maxsize)

    def _stream(self, run: StreamRun) -> ResultStream:
        assert isinstance(run, _ShutdownRun)
        return _ShutdownStream(run, run.queues[-1].get, _shut_down_again)
