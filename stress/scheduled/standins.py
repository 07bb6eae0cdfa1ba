"""Stand-ins for the layer ``threading``, ``queue`` and ``concurrent.futures`` stand on.

:func:`install` replaces, in the running process and before the target is imported,
``_thread.allocate_lock``/``LockType``/``RLock``/``start_new_thread`` (and, on 3.13+,
``start_joinable_thread`` with its ``_ThreadHandle``; on 3.11/3.12 the
``_set_sentinel`` lock that ``Thread.join`` waits on), ``_queue.SimpleQueue``,
``time.sleep``/``monotonic``/``perf_counter``/``time`` (and their ``_ns`` forms) and
``multiprocessing.connection.wait`` (``ThreadPool``'s worker handler waits there), and
rebinds the names ``threading`` and ``queue`` captured from them at import
(``threading.Lock``, ``_allocate_lock``, ``_CRLock``, ``_start_new_thread``,
``_start_joinable_thread``, ``_ThreadHandle``, ``_set_sentinel``, ``_time``;
``queue.SimpleQueue``, ``queue.time``).  ``Condition``, ``Event``, ``Semaphore``,
``Barrier``, ``Thread`` (subclasses too), ``queue.Queue`` (3.13's ``shutdown()`` too),
``ThreadPoolExecutor`` and ``multiprocessing.pool.ThreadPool`` then run unchanged on
top: they look these names up when they make an object.

Each stand-in behaves as the real primitive (the same results, exceptions and error
messages: tests/test_sched_standins.py runs one body over both).  Called by a thread
of a controlled run, it is a synchronisation point of the scheduler; called by any
other thread it works on its own, blocking by polling in real time, and if a run is
under way that thread is *foreign*: the run is marked uncontrolled, never a pass.

What it cannot see: locks and queues made before :func:`install` (module-level
objects of modules imported earlier) stay real; a thread that blocks on one, or on a
pipe, socket or C-extension lock, stops coming back to the scheduler, which the
controller notices in bounded real time (stress/scheduled/run.py).
"""

from __future__ import annotations

import collections
import contextvars
import os
import sys
import traceback
import types
from typing import Any

from stress.scheduled import _fresh, _real
from stress.scheduled.gate import new_gate
from stress.scheduled.scheduler import (
    NEVER,
    RECORDS,
    UNCONTROLLED,
    RunAborted,
    Scheduler,
    ThreadRecord,
)

_OUTSIDE = _real.allocate_lock()  # makes an uncontrolled caller's check-and-set atomic
_PROBE = _real.allocate_lock()  # validates acquire() arguments exactly as CPython does
_POLL = 0.0005  # how an uncontrolled caller waits for a stand-in (real seconds)
_active: list[Scheduler] = []  # the run under way, if any


def set_active(sched: Scheduler | None) -> None:
    """Name the run under way (None between runs)."""
    _active[:] = [] if sched is None else [sched]


#: The hot paths' lookup of the caller's record; ``current()`` when there is none.
_record_of = RECORDS.get
_get_ident = _real.get_ident


def current() -> ThreadRecord | None:
    """The calling thread's record, or None; a stranger during a run spoils the run."""
    rec = RECORDS.get(_real.get_ident())
    if rec is None and _active and _active[0].status is None:
        import threading  # noqa: PLC0415 - already imported; looked up lazily by design

        me = threading._active.get(_real.get_ident())  # type: ignore[attr-defined]
        name = me.name if me is not None else f"ident {_real.get_ident()}"
        _active[0].mark(
            UNCONTROLLED, f"thread {name!r}, not started under the scheduler, used a primitive"
        )
    return rec


def _outside_wait(ready: Any, timeout: float | None) -> bool:
    """Poll ``ready()`` (run under ``_OUTSIDE``) in real time; False if ``timeout`` ends."""
    end = None if timeout is None else _real.monotonic() + timeout
    while True:
        with _OUTSIDE:
            if ready():
                return True
        if end is not None and _real.monotonic() >= end:
            return False
        _real.sleep(_POLL)


class ControlledLock:
    """``_thread.lock``: not reentrant; any thread may release it."""

    __slots__ = ("__weakref__", "_locked", "_owner")

    def __init__(self) -> None:
        self._locked = False
        self._owner: ThreadRecord | None = None  # who took it last (for the wait-for table)

    def ready_for(self, waiter: ThreadRecord) -> bool:
        return not self._locked

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        # A free probe lock raises CPython's own ValueError/OverflowError for bad arguments.
        if (timeout != -1 or not blocking) and _PROBE.acquire(blocking, timeout):
            _PROBE.release()
        rec = _record_of(_get_ident()) or current()
        if rec is None:
            return self._acquire_outside(blocking, timeout)
        sched = rec.sched
        sched.point(rec, "acquire", self)
        if self._locked:
            if not blocking:
                return False
            deadline = None if timeout == -1 else sched.after(timeout)
            while self._locked:
                if sched.block(rec, self, "lock", deadline, self) and self._locked:
                    return False
        self._locked, self._owner = True, rec
        return True

    def _acquire_outside(self, blocking: bool, timeout: float) -> bool:
        def take() -> bool:
            if self._locked:
                return False
            self._locked, self._owner = True, None
            return True

        if not blocking:
            with _OUTSIDE:
                return take()
        return _outside_wait(take, None if timeout == -1 else timeout)

    def release(self) -> None:
        if not self._locked:
            raise RuntimeError("release unlocked lock")
        self._locked, self._owner = False, None
        rec = _record_of(_get_ident()) or current()
        if rec is not None:
            rec.sched.point(rec, "release", self)

    def release_as_runtime(self) -> None:
        """What CPython does to a thread's sentinel lock as the thread state dies."""
        self._locked, self._owner = False, None

    def locked(self) -> bool:
        return self._locked

    def _at_fork_reinit(self) -> None:
        self._locked, self._owner = False, None

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "locked" if self._locked else "unlocked"
        return f"<{state} _thread.lock object at {id(self):#x}>"


class ControlledRLock:
    """``_thread.RLock``: reentrant; only its owner may release it."""

    __slots__ = ("__weakref__", "_count", "_holder", "_owner")

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._owner = 0  # real ident of the owner, 0 when free
        self._count = 0
        self._holder: ThreadRecord | None = None

    def ready_for(self, waiter: ThreadRecord) -> bool:
        return self._count == 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if (timeout != -1 or not blocking) and _PROBE.acquire(blocking, timeout):
            _PROBE.release()
        me = _real.get_ident()
        if self._count and self._owner == me:
            self._count += 1
            return True
        rec = _record_of(_get_ident()) or current()
        if rec is None:
            return self._acquire_outside(me, blocking, timeout)
        sched = rec.sched
        sched.point(rec, "acquire", self)
        if self._count:
            if not blocking:
                return False
            deadline = None if timeout == -1 else sched.after(timeout)
            while self._count:
                if sched.block(rec, self, "lock", deadline, self) and self._count:
                    return False
        self._owner, self._count, self._holder = me, 1, rec
        return True

    def _acquire_outside(self, me: int, blocking: bool, timeout: float) -> bool:
        def take() -> bool:
            if self._count:
                return False
            self._owner, self._count, self._holder = me, 1, None
            return True

        if not blocking:
            with _OUTSIDE:
                return take()
        return _outside_wait(take, None if timeout == -1 else timeout)

    def release(self) -> None:
        if self._count == 0 or self._owner != _real.get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner, self._holder = 0, None
            rec = _record_of(_get_ident()) or current()
            if rec is not None:
                rec.sched.point(rec, "release", self)

    def _is_owned(self) -> bool:
        return self._count > 0 and self._owner == _real.get_ident()

    def _release_save(self) -> tuple[int, int]:
        if self._count == 0:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        self._owner, self._count, self._holder = 0, 0, None
        rec = _record_of(_get_ident()) or current()
        if rec is not None:
            rec.sched.point(rec, "release", self)
        return state

    def _acquire_restore(self, state: tuple[int, int]) -> None:
        self.acquire()
        self._count, self._owner = state

    def _recursion_count(self) -> int:
        return self._count if self._owner == _real.get_ident() else 0

    def locked(self) -> bool:
        return self._count > 0

    def _at_fork_reinit(self) -> None:
        self._owner, self._count, self._holder = 0, 0, None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "locked" if self._count else "unlocked"
        return (
            f"<{state} _thread.RLock object owner={self._owner} count={self._count} "
            f"at {id(self):#x}>"
        )


class ControlledSimpleQueue:
    """``_queue.SimpleQueue``: unbounded FIFO; ``put`` never blocks."""

    __slots__ = ("__weakref__", "_items")
    __class_getitem__: Any = classmethod(types.GenericAlias)

    def __init__(self) -> None:
        self._items: collections.deque[Any] = collections.deque()

    def ready_for(self, waiter: ThreadRecord) -> bool:
        return bool(self._items)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self._items.append(item)
        rec = _record_of(_get_ident()) or current()
        if rec is not None:
            rec.sched.point(rec, "put", self)

    def put_nowait(self, item: Any) -> None:
        self.put(item, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        import _queue  # noqa: PLC0415 - the real module's Empty, whatever was patched

        if block and timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        rec = _record_of(_get_ident()) or current()
        if rec is None:
            return self._get_outside(block, timeout)
        sched = rec.sched
        sched.point(rec, "get", self)
        if not self._items:
            if not block:
                raise _queue.Empty
            deadline = None if timeout is None else sched.after(timeout)
            while not self._items:
                if sched.block(rec, self, "get", deadline, self) and not self._items:
                    raise _queue.Empty
        return self._items.popleft()

    def _get_outside(self, block: bool, timeout: float | None) -> Any:
        import _queue  # noqa: PLC0415

        got: list[Any] = []

        def take() -> bool:
            if not self._items:
                return False
            got.append(self._items.popleft())
            return True

        if block and _outside_wait(take, timeout):
            return got[0]
        if not block:
            with _OUTSIDE:
                if take():
                    return got[0]
        raise _queue.Empty

    def get_nowait(self) -> Any:
        return self.get(False)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class ControlledHandle:
    """3.13+ ``_thread._ThreadHandle``: what ``Thread.join`` and ``is_alive`` ask."""

    __slots__ = ("_done", "_record", "ident")

    def __init__(self) -> None:
        self.ident: int | None = None
        self._done = False
        self._record: ThreadRecord | None = None

    def is_done(self) -> bool:
        return self._done

    def mark_done(self) -> None:
        self._done = True

    def _set_done(self) -> None:
        self._done = True

    def join(self, timeout: float | None = None) -> None:
        if self._done:
            return
        rec = current()
        if rec is None or self._record is None:
            _outside_wait(lambda: self._done, timeout)
            return
        if self._record is rec:
            raise RuntimeError("Cannot join current thread")
        sched = rec.sched
        sched.point(rec, "join", self._record)
        deadline = None if timeout is None else sched.after(max(timeout, 0))
        while not self._done:
            if sched.block(rec, self._record, "join", deadline, self._record):
                return

    def __repr__(self) -> str:
        return f"<_thread._ThreadHandle object: ident={self.ident}>"


def _trampoline(
    rec: ThreadRecord,
    function: Any,
    args: tuple[Any, ...],
    kwargs: Any,
    worker: _Worker | None = None,
) -> None:
    """A controlled thread's whole life: wait to be picked, run, hand over at the end."""
    rec.native = _real.get_native_id()
    rec.gate.acquire()
    sched = rec.sched
    try:
        if not sched.aborting:
            function(*args, **kwargs)
    except (RunAborted, SystemExit):
        pass
    except BaseException:  # as CPython reports an exception leaving a raw thread
        if sched.aborting:  # a consequence of unwinding an abandoned run
            return
        print(f"Exception ignored in thread started by: {function!r}", file=sys.stderr)
        traceback.print_exc()
    finally:
        if RECORDS.get(_real.get_ident()) is rec:
            del RECORDS[_real.get_ident()]
        try:
            sched.exit(rec)
        finally:
            if worker is not None:
                worker.end_of_life()
            sched.trampoline_ended()


class _Worker:
    """An OS thread that runs controlled threads' lives, one after another, each as a
    new thread would: in a fresh ``contextvars`` context, without a trace or profile
    function, with every ``threading.local`` empty (stress/scheduled/_fresh.py); never
    two of the same run (see :func:`_os_thread`)."""

    __slots__ = ("forgetter", "ident", "job", "last_run", "retired", "wake")

    def __init__(self) -> None:
        self.wake = new_gate()  # shut until a job is given
        self.job: tuple[Any, ...] | None = None
        self.last_run: Scheduler | None = None
        self.ident = 0
        self.forgetter = _fresh.Forgetter()
        self.retired = False

    def loop(self) -> None:
        while not self.retired:
            self.wake.acquire()
            job, self.job = self.job, None
            assert job is not None
            self.last_run = job[0].sched
            rec, function, args, kwargs = job
            _fresh.untrace()
            contextvars.Context().run(_trampoline, rec, function, args, kwargs, self)
        self.wake.close()  # retired: never in _IDLE again, so no one opens it

    def end_of_life(self) -> None:
        """Forget this life's thread state, then wait for the next; or, if it cannot
        be forgotten, end the OS thread (and reuse no worker again)."""
        if _fresh_threads[0] and self.forgetter.forget():
            with _IDLE_LOCK:
                _IDLE.append(self)
        else:
            _fresh_threads[0] = False
            self.retired = True


_IDLE: list[_Worker] = []  # workers parked between lives
_IDLE_LOCK = _real.allocate_lock()
#: Workers can be made to look new (False once a Forgetter could not: reuse is off).
_fresh_threads = [True]


def _forget_idle_workers() -> None:
    """In a forked child: the parent's workers do not exist here."""
    global _IDLE_LOCK
    for worker in _IDLE:
        worker.wake.close()  # a copy of the parent's descriptor: no thread here waits on it
    _IDLE.clear()
    _IDLE_LOCK = _real.allocate_lock()


os.register_at_fork(after_in_child=_forget_idle_workers)


def _os_thread(sched: Scheduler, job: tuple[Any, ...]) -> int:
    """The ident of the OS thread that will run ``job``: a new one, or with
    ``sched.reuse_os_threads`` an idle worker whose last life was in another run.

    Starting an OS thread costs about 100 us, and more in the threads' hand-overs that
    follow (a new thread's first switches are slower).  A worker is reused only across
    runs, so within a run every thread is a new OS thread, and between its lives it
    forgets what a new thread would not have (:class:`_Worker`): no ``threading.local``
    keeps a value from an earlier run."""
    if not (sched.reuse_os_threads and _fresh_threads[0]):
        return int(_real.start_new_thread(_trampoline, job))
    with _IDLE_LOCK:
        for k, worker in enumerate(_IDLE):
            if worker.last_run is not sched:
                del _IDLE[k]
                break
        else:
            worker = _Worker()
            worker.ident = _real.start_new_thread(worker.loop, ())
    worker.job = job
    worker.wake.release()
    return worker.ident


def spawn(
    sched: Scheduler,
    function: Any,
    args: tuple[Any, ...],
    kwargs: Any,
    handle: ControlledHandle | None,
) -> ThreadRecord:
    """A new controlled thread of ``sched`` running ``function``, parked until picked."""
    if not callable(function):
        raise TypeError("first arg must be callable")
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if sched.aborting:
        raise RunAborted
    rec = sched.new_thread()
    rec.handle = handle
    ident = _os_thread(sched, (rec, function, args, kwargs or {}))
    rec.ident = ident
    RECORDS[ident] = rec
    if handle is not None:
        handle.ident, handle._record = ident, rec
    return rec


def _start(
    me: ThreadRecord,
    function: Any,
    args: tuple[Any, ...],
    kwargs: Any,
    handle: ControlledHandle | None,
) -> int:
    rec = spawn(me.sched, function, args, kwargs, handle)
    me.sched.point(me, "start", rec)
    assert rec.ident is not None
    return rec.ident


def start_new_thread(function: Any, args: tuple[Any, ...], kwargs: Any = None) -> int:
    """``_thread.start_new_thread``: a controlled thread when a controlled one asks."""
    me = current()
    if me is None:
        return int(_real.start_new_thread(function, args, kwargs or {}))
    return _start(me, function, args, kwargs, None)


def start_joinable_thread(
    function: Any, handle: ControlledHandle | None = None, daemon: bool = True
) -> ControlledHandle:
    """3.13+ ``_thread.start_joinable_thread``, with a :class:`ControlledHandle`."""
    if handle is None:
        handle = ControlledHandle()
    me = current()
    if me is None:  # a thread outside any run: real, but it keeps our handle up to date
        done_handle = handle

        def run_then_mark() -> None:
            try:
                function()
            finally:
                done_handle.mark_done()

        handle.ident = _real.start_new_thread(run_then_mark, ())
        return handle
    _start(me, function, (), None, handle)
    return handle


def set_sentinel() -> Any:
    """3.11/3.12 ``_thread._set_sentinel``: released when the thread has ended."""
    rec = current()
    if rec is None:
        return _real_set_sentinel()
    lock = ControlledLock()
    rec.sentinels.append(lock)
    return lock


def _real_set_sentinel() -> Any:
    if _real.set_sentinel is None:  # 3.13+: nothing calls it
        return _real.allocate_lock()
    return _real.set_sentinel()


# -- time ------------------------------------------------------------------------------
def sleep(secs: float) -> None:
    """``time.sleep``: a controlled thread waits in virtual time."""
    rec = current()
    if rec is None:
        _real.sleep(secs)
        return
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    sched = rec.sched
    if secs == 0:
        sched.point(rec, "sleep", None)
        return
    sched.block(rec, NEVER, "sleep", sched.after(secs))


def _run_of_caller() -> Scheduler | None:
    rec = RECORDS.get(_real.get_ident())
    return None if rec is None else rec.sched


def monotonic() -> float:
    sched = _run_of_caller()
    return _real.monotonic() if sched is None else sched.base_monotonic + sched.now


def monotonic_ns() -> int:
    sched = _run_of_caller()
    if sched is None:
        return int(_real.monotonic_ns())
    return int((sched.base_monotonic + sched.now) * 1e9)


def perf_counter() -> float:
    sched = _run_of_caller()
    return _real.perf_counter() if sched is None else sched.base_perf + sched.now


def perf_counter_ns() -> int:
    sched = _run_of_caller()
    return (
        int(_real.perf_counter_ns()) if sched is None else int((sched.base_perf + sched.now) * 1e9)
    )


def wall_time() -> float:
    sched = _run_of_caller()
    return _real.wall_time() if sched is None else sched.base_wall + sched.now


def wall_time_ns() -> int:
    sched = _run_of_caller()
    return int(_real.wall_time_ns()) if sched is None else int((sched.base_wall + sched.now) * 1e9)


# -- waits on file descriptors (ThreadPool's worker handler) --------------------------
def _readable_now(objects: list[Any]) -> list[Any]:
    """Those of ``objects`` (connections, sockets, fds) readable now, looked at in real
    time with a zero timeout (``connection.wait`` itself would spin: it measures its
    deadline on the caller's clock, which is virtual and stands still)."""
    return list(_real.select_fds(objects, [], [], 0)[0])


class _Readable:
    """Ready when one of the objects is readable now."""

    def __init__(self, objects: list[Any]) -> None:
        self.objects = objects

    def ready_for(self, waiter: ThreadRecord) -> bool:
        return bool(_readable_now(self.objects))


def _controlled_wait(real_wait: Any) -> Any:
    def wait(object_list: Any, timeout: float | None = None) -> Any:
        rec = current()
        if rec is None:
            return real_wait(object_list, timeout)
        objects = list(object_list)
        sched = rec.sched
        sched.point(rec, "wait_fd", None)
        readable = _Readable(objects)
        deadline = None if timeout is None else sched.after(max(timeout, 0))
        while True:
            ready = _readable_now(objects)
            if ready or timeout == 0:
                return ready
            if sched.block(rec, readable, "fd", deadline):
                return _readable_now(objects)

    return wait


# -- deterministic hashes ----------------------------------------------------------------
def _stable_hash(cls: type) -> None:
    """Hash ``cls``'s objects by creation order within a run, not by address.

    ``ThreadPoolExecutor.shutdown`` joins its threads by iterating a ``set``, and
    ``concurrent.futures.wait`` returns sets of futures: with the default hash (the
    address) their order, and so the interleaving, would differ between a run and
    its replay.  Equality stays identity; only iteration orders become repeatable.
    """
    original_init = cls.__init__  # type: ignore[misc]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        rec = RECORDS.get(_real.get_ident())
        if rec is None:
            self.__dict__["_sched_hash"] = id(self) >> 4
        else:
            rec.sched.created += 1
            self.__dict__["_sched_hash"] = rec.sched.created
        original_init(self, *args, **kwargs)

    def __hash__(self: Any) -> int:
        value = self.__dict__.get("_sched_hash")
        return id(self) >> 4 if value is None else int(value)

    __init__.__doc__ = original_init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__hash__ = __hash__  # type: ignore[assignment,method-assign]


# -- installing ------------------------------------------------------------------------
_installed: list[bool] = []


def _quiet_excepthook(previous: Any) -> Any:
    def hook(args: Any) -> None:
        if isinstance(args.exc_value, RunAborted):
            return  # a thread of an abandoned run unwinding: not the target's error
        previous(args)

    return hook


def _not_aborted(record: Any) -> bool:
    """A logging filter: drop what a worker logs as it unwinds from an abandoned run
    (``ThreadPoolExecutor``'s worker logs every ``BaseException`` it catches)."""
    info = getattr(record, "exc_info", None)
    return not (isinstance(info, tuple) and isinstance(info[1], RunAborted))


def install() -> None:
    """Put the stand-ins in place (idempotent; there is no uninstall: use a child)."""
    if _installed:
        return
    import _queue  # noqa: PLC0415
    import _thread  # noqa: PLC0415
    import multiprocessing.connection  # noqa: PLC0415
    import queue  # noqa: PLC0415
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    patch: dict[Any, dict[str, Any]] = {
        _thread: {
            "allocate_lock": ControlledLock,
            "allocate": ControlledLock,
            "LockType": ControlledLock,
            "RLock": ControlledRLock,
            "start_new_thread": start_new_thread,
            "start_new": start_new_thread,
            "start_joinable_thread": start_joinable_thread,
            "_set_sentinel": set_sentinel,
        },
        _queue: {"SimpleQueue": ControlledSimpleQueue},
        queue: {"SimpleQueue": ControlledSimpleQueue, "time": monotonic},
        time: {
            "sleep": sleep,
            "monotonic": monotonic,
            "monotonic_ns": monotonic_ns,
            "perf_counter": perf_counter,
            "perf_counter_ns": perf_counter_ns,
            "time": wall_time,
            "time_ns": wall_time_ns,
        },
        threading: {
            "_allocate_lock": ControlledLock,
            "Lock": ControlledLock,
            "_LockType": ControlledLock,
            "_CRLock": ControlledRLock,
            "_start_new_thread": start_new_thread,
            "_start_joinable_thread": start_joinable_thread,
            "_ThreadHandle": ControlledHandle,
            "_set_sentinel": set_sentinel,
            "_time": monotonic,
            "excepthook": _quiet_excepthook(threading.excepthook),
        },
        multiprocessing.connection: {
            "wait": _controlled_wait(multiprocessing.connection.wait),
        },
    }
    for module, names in patch.items():
        for name, value in names.items():
            if hasattr(module, name) or name == "excepthook":
                setattr(module, name, value)
    import concurrent.futures._base  # noqa: PLC0415

    concurrent.futures._base.LOGGER.addFilter(_not_aborted)
    _stable_hash(threading.Thread)
    _stable_hash(concurrent.futures._base.Future)
    pool = sys.modules.get("multiprocessing.pool")
    if pool is not None:  # imported before us: it captured the real wait
        pool.wait = multiprocessing.connection.wait  # type: ignore[attr-defined]
    futures_thread = sys.modules.get("concurrent.futures.thread")
    if futures_thread is not None:  # imported before us: its module-level lock was real
        futures_thread._global_shutdown_lock = ControlledLock()  # type: ignore[attr-defined]
    _installed.append(True)
