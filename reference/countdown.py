"""countdown: the last worker of a stage to finish forwards a unique end marker.

Protocol: queue ``k`` feeds stage ``k``.  A worker that takes the end marker puts it
back (so its siblings see it), counts itself out, and the last one out forwards the
marker to the next queue.  Nothing is counted but workers: no result count, no
barrier size.  The marker is a private object, so any value (``None`` too) is data.
Cancellation (the first failure, or the caller closing) sets a flag and puts a cancel
marker on every queue; whoever takes it puts it back and leaves.
Unbounded, a feeder thread puts the source's items on queue 0 (it never waits).
Bounded (``maxsize > 0``): stage 0's workers pull items from the source themselves
(:meth:`StreamRun.pull`, which returns the end marker at the end), so queue 0 is never
used and no feeder waits for room item by item.  A token pool per later queue counts
free places (a put takes a token, a get gives one back); markers need none, so putting
one back never blocks, and cancellation adds one token per thread that may wait on the
pool (each thread puts at most once more, then sees the flag).  The data path is a
``SimpleQueue`` either way, and so is a pool of up to :data:`TOKEN_QUEUE_MAX` places:
every hand-off and every wait stays in C (a ``threading.Semaphore`` is Python code
around a condition variable, about 1 % slower end to end with 1 ms stage calls).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

from reference._skeleton import Stage
from reference._streaming import ResultStream, StreamingVariant, StreamRun

#: Largest bound kept as a queue of tokens (8 bytes each); above it, a Semaphore.
TOKEN_QUEUE_MAX = 4096

_END = object()  # the input of a queue has ended
_CANCEL = object()  # the run is cancelled: leave


def _no_wait() -> object:
    return True


def _no_op() -> None:
    pass


def _no_put(item: object) -> None:
    pass


class _TokenPool:
    """``maxsize`` free places as tokens in a ``SimpleQueue``: take blocks in C."""

    def __init__(self, maxsize: int) -> None:
        tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        self.take: Callable[[], object] = tokens.get
        self.give: Callable[[], None] = partial(tokens.put, None)
        for _ in range(maxsize):
            self.give()

    def give_many(self, n: int) -> None:
        for _ in range(n):
            self.give()


class _SemaphorePool:
    """The same for a large bound, without holding a token per place."""

    def __init__(self, maxsize: int) -> None:
        semaphore = threading.Semaphore(maxsize)
        self.take: Callable[[], object] = semaphore.acquire
        self.give: Callable[[], None] = semaphore.release
        self.give_many: Callable[[int], None] = semaphore.release


def _pool(maxsize: int) -> _TokenPool | _SemaphorePool:
    return _TokenPool(maxsize) if maxsize <= TOKEN_QUEUE_MAX else _SemaphorePool(maxsize)


class _CountdownRun(StreamRun):
    """Queues ``0..n`` are ``SimpleQueue``s; with a bound, ``room[k]`` holds free places.

    Bounded, queue 0 is unused (stage 0 pulls) and ``room[0]`` has no places.
    """

    def __init__(
        self, name: str, stages: Sequence[Stage], workers: Sequence[int], maxsize: int
    ) -> None:
        super().__init__(name, stages, workers, maxsize)
        n = len(stages)
        self.feeds, self.source_done = not maxsize, _END
        self.queues: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in range(n + 1)]
        self.room = [_pool(0), *(_pool(maxsize) for _ in range(n))] if maxsize else []
        # Wait for a free place before a put, free one after a get (no-ops if unbounded).
        self.claim: list[Callable[[], object]] = [pool.take for pool in self.room]
        self.free: list[Callable[[], None]] = [pool.give for pool in self.room]
        if not maxsize:
            self.claim, self.free = [_no_wait] * (n + 1), [_no_op] * (n + 1)
        # Who may wait on room[k]: nobody for queue 0, stage k-1's workers after it.
        self._putters = [0, *workers] if maxsize else []

    def feed(self, source: Iterator[Any]) -> None:
        put = self.queues[0].put
        try:
            for item in source:
                if self.cancelled:
                    return
                put(item)
        except BaseException as error:  # the source raised: the run fails with it
            self.fail(error)
            return
        put(_END)

    def serve(self, k: int, stage: Stage) -> None:
        q_in, bounded = self.queues[k], bool(self.maxsize)
        get: Callable[[], Any] = q_in.get
        put_back: Callable[[Any], None] = q_in.put
        free = self.free[k]
        if bounded and not k:  # pull from the source: nothing to put back or free
            get, put_back, free = self.pull, _no_put, _no_op
        put, claim = self.queues[k + 1].put, self.claim[k + 1]
        while True:
            item = get()
            if item is _END:
                put_back(_END)
                break
            if item is _CANCEL:
                put_back(_CANCEL)
                return
            if bounded:
                free()
            if self.cancelled:
                return
            try:
                result = stage(item)
            except BaseException as error:
                self.fail(error)
                return
            if bounded:
                claim()
            put(result)
        if self.leave_stage(k):
            put(_END)

    def _wake_everyone(self) -> None:
        for q in self.queues:
            q.put(_CANCEL)
        for pool, putters in zip(self.room, self._putters, strict=True):
            pool.give_many(putters)


class _CountdownStream(ResultStream):
    """Either marker, or a run cancelled meanwhile, ends the stream; a bound frees a place."""

    def __init__(self, run: _CountdownRun) -> None:
        super().__init__(run, run.queues[-1].get, _end_again)
        self._state = run
        self._free = run.free[-1] if run.maxsize else None

    def __next__(self) -> object:
        try:
            item = self._get()
        except BaseException:  # the caller's thread interrupted (KeyboardInterrupt)
            self.close()
            raise
        if item is _END or item is _CANCEL or self._state.cancelled:
            self._finish()
        if self._free is not None:
            self._free()
        return item


def _end_again() -> object:
    return _END


class Countdown(StreamingVariant):
    """Stage countdowns and a private end marker; errors cancel the run; streams."""

    name: ClassVar[str] = "countdown"
    accepted_settings = frozenset({"maxsize"})

    def _new_run(self, stages: Sequence[Stage], workers: Sequence[int]) -> StreamRun:
        return _CountdownRun(self.name, stages, workers, self.settings.maxsize)

    def _stream(self, run: StreamRun) -> ResultStream:
        assert isinstance(run, _CountdownRun)
        return _CountdownStream(run)
