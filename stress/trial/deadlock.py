"""Proof that a trial is deadlocked: every thread waits, with no timeout, on another.

A HANG found by the trial timeout costs the timeout and a confirmation.  Many hangs
can be told sooner and for sure: when every thread of the process (the watchdog
aside) sits in a wait that has no timeout and that only another thread of the
process can end (a lock, a queue's ``get``, a condition, a barrier, a ``join``), and
no thread has used CPU time meanwhile, no thread can ever move again.

Invariant: :func:`snapshot` answers ``None`` ("cannot prove it") unless *every*
thread's innermost frame is one of the waits below, recognised with its arguments:

* standard library: ``Condition.wait`` with ``timeout=None`` (under ``Queue.get``/
  ``put``, ``Event.wait``, ``Barrier.wait``, ``Semaphore.acquire``,
  ``Future.result``...), ``Thread.join()`` with no timeout, an idle
  ``ThreadPoolExecutor`` worker;
* the harness's pressure wrappers (:mod:`stress.forms.fixed.pressure`) around a lock's
  ``acquire`` or a ``SimpleQueue.get``, with no timeout;
* the target's own line calling into C: ``q.get()`` on a ``SimpleQueue``,
  ``lock.acquire()`` or ``with lock:`` on a lock or an ``RLock``, or a bound method
  of those called with no arguments (``get()``, ``acquire()``).

Anything else (a sleep, a timed wait, I/O, a C thread without a Python frame, a
running thread) keeps the proof from being made, and the watchdog falls back on the
trial timeout.  The caller must also see the same snapshot, no stage call or result
advancing, and no CPU time used, over a window of several samples.

A thread that is runnable (``R`` in ``/proc``) is not waiting, whatever its frame says:
since 3.13 a lock's release may hand the lock straight to a waiter, whose frame stays
at ``acquire()`` until the scheduler runs it, which on a loaded machine can take longer
than the window; such a sample proves nothing.

Reading another thread's frames is safe without a GIL (3.13t, 3.14t) only while that
thread is parked: ``sys._current_frames()`` stops the world to collect the frames, but
a frame's locals are then read with no lock while their thread may run.  So a frame's
code, line number and source line are looked at first, its locals only at a line that
is a wait, and ``/proc`` is read before and after the frames: a thread found runnable
on either side, or a thread count that changed, makes the sample ``None``.
"""

from __future__ import annotations

import _queue
import _thread
import functools
import linecache
import os
import re
import sys
import threading
from types import FrameType

from stress.forms.fixed import pressure
from stress.trial.waits import resolve, stdlib_file

_PRESSURE = os.path.realpath(pressure.__file__)
_EXECUTOR_MODULE = os.path.join("concurrent", "futures", "thread.py")
_LOCKS: tuple[type, ...] = (_thread.LockType, type(_thread.RLock()))
_UNTIMED_ARGS = r"\(\s*(?:True|block=True|blocking=True)?\s*\)"
_METHOD_CALL = re.compile(r"([A-Za-z_][\w.]*)\.(get|acquire)" + _UNTIMED_ARGS)
_BARE_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)" + _UNTIMED_ARGS)
_WITH = re.compile(r"^\s*with\s+([A-Za-z_][\w.]*)\s*:")

#: A thread's place while it waits: (thread ident, code object id, line number).
Place = tuple[int, int, int]


def _line(frame: FrameType) -> str:
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()


def _stdlib_wait(frame: FrameType, module: str) -> bool:
    """``module``: the frame's file under the standard library (:func:`stdlib_file`)."""
    name = frame.f_code.co_name  # the line before the locals: see the module's docstring
    if module == "threading.py":
        if name == "wait" and _line(frame) == "waiter.acquire()":
            local = frame.f_locals
            return isinstance(local.get("self"), threading.Condition) and (
                local.get("timeout") is None
            )
        if name == "_wait_for_tstate_lock":  # Thread.join() up to 3.12
            local = frame.f_locals
            return local.get("block") is True and local.get("timeout") == -1
        # 3.13+: a C-level join, self._handle.join() (3.14: self._os_thread_handle.join())
        if name == "join" and "_handle.join(" in _line(frame):
            local = frame.f_locals
            return isinstance(local.get("self"), threading.Thread) and (
                local.get("timeout") is None
            )
        return False
    if module == _EXECUTOR_MODULE:
        return name == "_worker" and _line(frame) == "work_item = work_queue.get(block=True)"
    return False


def _pressure_wait(frame: FrameType) -> bool:
    """A pressure wrapper forwarding an untimed acquire or get to the real object."""
    line = _line(frame)
    if frame.f_code.co_name == "acquire" and "self._inner.acquire(" in line:
        local = frame.f_locals
        return local.get("blocking") is True and local.get("timeout") == -1
    if frame.f_code.co_name == "get" and "super().get(" in line:
        local = frame.f_locals
        return local.get("block") is True and local.get("timeout") is None
    return False


def _c_call_wait(frame: FrameType) -> bool:
    """The target's line blocked in C: an untimed get, acquire or ``with`` on a lock."""
    line = _line(frame)
    match = _WITH.match(line)
    if match:
        return isinstance(resolve(match.group(1), frame), _LOCKS)
    match = _METHOD_CALL.search(line)
    if match:
        obj = resolve(match.group(1), frame)
        if match.group(2) == "get":
            return isinstance(obj, _queue.SimpleQueue)
        return isinstance(obj, _LOCKS)
    match = _BARE_CALL.search(line)
    if match:  # get = q.get ... get(): a bound method of a SimpleQueue or a lock
        obj = resolve(match.group(1), frame)
        owner = getattr(obj, "__self__", None)
        name = getattr(obj, "__name__", "")
        return (isinstance(owner, _queue.SimpleQueue) and name == "get") or (
            isinstance(owner, _LOCKS) and name == "acquire"
        )
    return False


def untimed_wait(frame: FrameType) -> bool:
    """Whether the thread whose innermost frame is ``frame`` waits, untimed, on another."""
    filename = frame.f_code.co_filename
    if _is_pressure_file(filename):
        return _pressure_wait(frame)
    module = stdlib_file(filename)
    if module is not None:
        return _stdlib_wait(frame, module)
    return _c_call_wait(frame)


@functools.lru_cache(maxsize=4096)
def _is_pressure_file(filename: str) -> bool:
    """Whether ``filename`` is :mod:`stress.forms.fixed.pressure` (cached: asked per frame per
    look, and ``realpath`` is a few system calls)."""
    return os.path.realpath(filename) == _PRESSURE


def task_stats(exclude_native: int) -> list[list[bytes]] | None:
    """Each thread's ``/proc`` stat fields after the name (state first), the watchdog
    aside; ``None`` when ``/proc`` cannot be read.  A thread that ended meanwhile is
    left out."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    stats = []
    for tid in tids:
        if int(tid) == exclude_native:
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats.append(fields)
    return stats


def _asleep(exclude_native: int) -> tuple[int, int] | None:
    """(threads, CPU ticks) from ``/proc`` if no thread but the watchdog is runnable."""
    stats = task_stats(exclude_native)
    if stats is None or any(fields[0] == b"R" for fields in stats):
        return None
    return len(stats), sum(int(f[11]) + int(f[12]) for f in stats)  # utime, stime


#: Where the frames come from (a name of this module, so a test can give its own).
_current_frames = sys._current_frames


def snapshot(exclude_ident: int, exclude_native: int) -> tuple[frozenset[Place], int] | None:
    """Every thread's place and the process's CPU ticks, if every thread waits untimed.

    ``None`` when some thread is not provably waiting, is runnable (``/proc``, before
    or after the frames are read), or ``/proc`` shows a thread with no Python frame
    (a C thread, or one still starting).
    """
    before = _asleep(exclude_native)
    if before is None:
        return None
    frames = _current_frames()
    try:
        places = []
        for ident, frame in frames.items():
            if ident == exclude_ident:
                continue
            if not untimed_wait(frame):
                return None
            places.append((ident, id(frame.f_code), frame.f_lineno))
    finally:
        del frames
    after = _asleep(exclude_native)
    if after is None or not before[0] == after[0] == len(places):
        return None
    return frozenset(places), after[1]


class DeadlockProof:
    """Samples fed one by one; :meth:`add` is True once ``needed`` agree over ``window`` s.

    A sample agrees with the first of its run when every thread is at the same place,
    the CPU ticks grew by at most one (a thread just woken may run a moment) and the
    caller's progress counter did not move.
    """

    def __init__(self, window: float, needed: int) -> None:
        self.window, self.needed = window, needed
        self._count = 0
        #: The run's first sample: places, CPU ticks, progress, and when it was taken.
        self._first: tuple[frozenset[Place], int, int, float] | None = None

    def add(self, now: float, progress: int, sample: tuple[frozenset[Place], int] | None) -> bool:
        """Feed one sample (``None``: not all waiting); True once the deadlock is proven."""
        if sample is None:
            self._first, self._count = None, 0
            return False
        places, ticks = sample
        first = self._first
        if first is None or places != first[0] or progress != first[2] or ticks - first[1] > 1:
            self._first, self._count = (places, ticks, progress, now), 1
            return False
        self._count += 1
        return self._count >= self.needed and now - first[3] >= self.window
