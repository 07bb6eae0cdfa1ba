"""What the project's own designs share: one run's threads, its error, the result stream.

A call builds a :class:`StreamRun` (queues, ``workers[k]`` threads per stage, and a
feeder thread if the design wants one) and returns a :class:`ResultStream` over it.  A
design (countdown, queue_shutdown) overrides only its protocol: the queues, a worker's
loop, the feeder, how :meth:`StreamRun._wake_everyone` unblocks every waiting thread, and
how the caller takes a result (:meth:`ResultStream.__next__`, kept to one frame: it is
the caller's hot path).

The source is read in one of two ways, both lazy and one ``next`` at a time:

* a feeder thread puts every item on the first queue (:meth:`StreamRun.feed`): best when
  that queue is an unbounded ``SimpleQueue``, where the feeder never waits;
* the first stage's workers pull the next item themselves (:meth:`StreamRun.pull`, under
  a lock) when they are free.  No feeder waits for room item by item: with a bounded
  first queue a feeder is woken once per item, and with 1 ms stage calls those wake-ups
  cost about 0.5 % of the makespan.  The read-ahead is then one item per first-stage worker,
  and the source is resumed by those workers in turn (a generator bound to one thread,
  one holding an ``RLock`` across a ``yield`` say, needs a feeder of the caller's own).

Invariants every design keeps:

* Each stage counts its workers out; the last one to leave tells the next queue that
  the input has ended (:meth:`StreamRun.leave_stage` is True for exactly one caller).
* The source is never read by two threads at once, and never again once it has
  ended, raised, or the run is cancelled.
* The first failure (a stage or the source raising) is kept, cancels the run, and is
  raised to the caller once every thread has been joined; later failures are dropped.
* Cancellation wakes every thread blocked in a get or a put, so a cancelled run ends
  as soon as the stage calls (and the source's ``next``) in flight return.  Those
  cannot be interrupted: the stream waits for them rather than leave a thread behind.
* The stream owns the run, the threads never own the stream: when the caller drops
  the stream, garbage collection cancels the run.  Threads are daemons and an
  ``atexit`` hook cancels and joins every live run, so a caller that dies mid-run
  (its own exception, the stream still referenced from a global) lets the
  interpreter exit cleanly instead of hanging on blocked workers.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, NoReturn

from reference._skeleton import Stage, Variant, check_shape

#: Runs started and not yet joined; the threads keep them alive, not this set.
_LIVE: weakref.WeakSet[StreamRun] = weakref.WeakSet()
#: Every thread a run started; ``threading`` keeps it alive until it has fully ended.
#: A run whose stream was dropped is freed as soon as its last thread's target
#: returns, a moment before that thread ends, so the exit hook joins threads too.
_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()
#: The default ``source_done``: nothing a source can yield.
_SOURCE_DONE = object()


@atexit.register
def _end_live_runs() -> None:
    """At interpreter exit (before daemon threads are frozen): cancel live runs, then
    join every thread any run started, including those of runs already freed."""
    with _LIVE_LOCK:
        runs = list(_LIVE)
    for run in runs:
        run.cancel()
        run.join()
    with _LIVE_LOCK:
        threads = list(_THREADS)
    me = threading.current_thread()
    for thread in threads:
        if thread is not me:
            thread.join()


class StreamRun(ABC):
    """One call's state: queues, threads, the stage countdowns and the first failure.

    ``cancelled`` is set once and never cleared; threads read it without the lock (a
    stale read costs at most one more item) and every blocked thread is woken by
    :meth:`_wake_everyone` after it is set.
    """

    def __init__(
        self, name: str, stages: Sequence[Stage], workers: Sequence[int], maxsize: int
    ) -> None:
        self.name = name
        self.stages = list(stages)
        self.workers = list(workers)
        self.maxsize = maxsize
        self.cancelled = False
        self.error: BaseException | None = None
        self._lock = threading.Lock()  # guards cancelled, error and _left
        self._left = list(workers)
        self._threads: list[threading.Thread] = []
        #: True: a feeder thread runs :meth:`feed`; False: stage 0 calls :meth:`pull`.
        self.feeds = False
        #: What :meth:`pull` returns once there is nothing more to take (a design's marker).
        self.source_done: object = _SOURCE_DONE
        self._source: Iterator[Any] = iter(())
        self._source_lock = threading.Lock()  # one next() at a time; guards _source_ended
        self._source_ended = False

    # -- the protocol a design supplies -------------------------------------------
    def feed(self, source: Iterator[Any]) -> None:
        """The feeder thread (if ``feeds``): read ``source`` into the first queue, end it."""
        raise NotImplementedError(f"{self.name} has no feeder: its first stage pulls")

    @abstractmethod
    def serve(self, k: int, stage: Stage) -> None:
        """One worker of stage ``k``: take, compute, hand on; leave at the end."""

    @abstractmethod
    def _wake_everyone(self) -> None:
        """After ``cancelled`` is set: unblock every get and put, without blocking."""

    # -- shared plumbing -------------------------------------------------------------
    def start(self, source: Iterator[Any]) -> None:
        """Start the workers (last stage first, so results have a reader), then the feeder
        if the design has one."""
        self._source = source
        with _LIVE_LOCK:
            _LIVE.add(self)
        for k in reversed(range(len(self.stages))):
            for w in range(self.workers[k]):
                self._spawn(f"{self.name}-s{k}-w{w}", self.serve, k, self.stages[k])
        if self.feeds:
            self._spawn(f"{self.name}-feeder", self.feed, source)

    def pull(self) -> Any:
        """The next item of the source, or ``source_done`` once it has ended, it raised
        (the run then fails with that), or the run is cancelled."""
        with self._source_lock:
            if self.cancelled or self._source_ended:
                return self.source_done
            try:
                return next(self._source)
            except StopIteration:
                self._source_ended = True
            except BaseException as error:  # the source raised: the run fails with it
                self._source_ended = True
                self.fail(error)
            return self.source_done

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        with _LIVE_LOCK:
            _THREADS.add(thread)
        try:
            thread.start()
        except BaseException:  # cannot start a thread: stop those already running
            self._threads.pop()
            self.cancel()
            self.join()
            raise

    def leave_stage(self, k: int) -> bool:
        """Count one worker of stage ``k`` out; True for exactly one caller, the last."""
        with self._lock:
            self._left[k] -= 1
            return self._left[k] == 0

    def fail(self, error: BaseException) -> None:
        """Keep the first failure of a live run and cancel it; drop any later one."""
        with self._lock:
            if self.cancelled:
                return
            self.error = error
            self.cancelled = True
        self._wake_everyone()

    def cancel(self) -> None:
        """Stop the run: skip remaining work and wake every blocked thread (idempotent)."""
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
        self._wake_everyone()

    def join(self) -> None:
        """Wait for every thread but the current one (in-flight stage calls included)."""
        me = threading.current_thread()
        for thread in self._threads:
            if thread is not me:
                thread.join()
        with _LIVE_LOCK:
            _LIVE.discard(self)


class ResultStream(Iterator[object]):
    """The results as they arrive; ``close()`` (or leaving a ``with``, or dropping the
    stream) cancels the run.  When the run ends, :meth:`_finish` joins every thread, then
    raises the first stage failure if there was one, else ``StopIteration``.

    A design's ``__next__`` reads ``self._get`` (its last queue's ``get`` while the run
    lasts, ``spent`` afterwards: what that ``get`` does at the end), calls
    :meth:`_finish` when the run has ended (outside any ``except`` block, so the failure
    raised carries no internal context), and :meth:`close` if the caller's thread is
    interrupted.
    """

    def __init__(self, run: StreamRun, get: Callable[[], Any], spent: Callable[[], Any]) -> None:
        self._run: StreamRun | None = run
        self._get = get
        self._spent = spent

    def __iter__(self) -> ResultStream:
        return self

    @abstractmethod
    def __next__(self) -> object:
        """The next result; at the end, ``self._finish()``."""

    def _finish(self) -> NoReturn:
        """The run has ended: join every thread, then raise its failure or StopIteration."""
        run, self._run, self._get = self._run, None, self._spent
        if run is None:
            raise StopIteration
        run.join()
        error, run.error = run.error, None
        if isinstance(error, StopIteration):  # raised as is, it would look like the end
            raise RuntimeError("a stage raised StopIteration") from error
        if error is not None:
            raise error
        raise StopIteration

    def close(self) -> None:
        """Cancel the run and wait for its threads; never raises a stage failure."""
        run, self._run, self._get = self._run, None, self._spent
        if run is not None:
            run.cancel()
            run.join()

    def __enter__(self) -> ResultStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Possibly on another thread (cyclic GC): cancel only, never join here.
        run = self._run
        if run is not None:
            run.cancel()


class StreamingVariant(Variant):
    """A target that streams: checks the shape, starts a run, returns its stream."""

    @abstractmethod
    def _new_run(self, stages: Sequence[Stage], workers: Sequence[int]) -> StreamRun:
        """A fresh run of this design for one call."""

    @abstractmethod
    def _stream(self, run: StreamRun) -> ResultStream:
        """The caller's side of ``run``."""

    def __call__(
        self, items: Iterable[Any], stages: Sequence[Stage], workers: Sequence[int]
    ) -> ResultStream:
        check_shape(stages, workers)
        source = iter(items)  # not iterable: TypeError here, before any thread starts
        run = self._new_run(stages, workers)
        run.start(source)
        return self._stream(run)
