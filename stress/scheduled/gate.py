"""A controlled thread's gate: where it parks until the scheduler picks it.

A gate is opened by one thread (the one handing over) and passed by one (its owner),
thousands of times a schedule, so a hand-over's cost is a schedule's cost.  On Linux a
gate is an ``eventfd`` in semaphore mode: :meth:`EventGate.release` adds one,
:meth:`EventGate.acquire` blocks in the kernel until it can take one away.  Measured
here (two threads handing over in turn on one CPU, a round trip): a ``_thread`` lock
11.3 us with the GIL and 106 us on free-threaded 3.14t (its waiter spins on
``sched_yield`` before it parks, and keeps the CPU from the thread it waits for), an
eventfd 5.5 us and 5.3 us.  Elsewhere, or when no descriptor is left, a gate is a real
``_thread`` lock (:class:`LockGate`): the same two calls.

Invariants:

* A new gate is shut: its owner's first ``acquire`` parks until someone releases it.
* ``release`` lets exactly one ``acquire`` through.  The controller's abort opens
  every gate, open or not: an eventfd gate released twice lets two through, a lock
  gate one; harmless either way, since the owner unwinds at its next point and never
  parks again in that run.
* :meth:`EventGate.close` is called only when no thread can touch the gate again
  (every thread of its run has returned: ``run_controlled`` after ``all_gone``); a
  gate of a run whose threads could not all be unwound stays open (its descriptor
  leaks, rather than a parked thread reading a number reused by another gate).
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

from stress.scheduled import _real

_eventfd: Any = getattr(os, "eventfd", None)
_FLAGS = getattr(os, "EFD_SEMAPHORE", 0) | getattr(os, "EFD_CLOEXEC", 0)


class EventGate:
    """A gate on an ``eventfd`` (see the module doc)."""

    __slots__ = ("acquire", "fd", "release")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        # Partials, not methods: no Python frame on the hot path.
        self.acquire: Any = functools.partial(os.eventfd_read, fd)  # type: ignore[attr-defined, unused-ignore]
        self.release: Any = functools.partial(os.eventfd_write, fd, 1)  # type: ignore[attr-defined, unused-ignore]

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            self.acquire = self.release = _closed  # never a number since reused
            with contextlib.suppress(OSError):
                os.close(fd)


def _closed() -> None:
    raise RuntimeError("a controlled thread's gate was used after its run ended")


class LockGate:
    """A gate on a real ``_thread`` lock (no eventfd here, or no descriptor left)."""

    __slots__ = ("_lock", "acquire")

    def __init__(self) -> None:
        self._lock = _real.allocate_lock()
        self._lock.acquire()  # shut
        self.acquire: Any = self._lock.acquire

    def release(self) -> None:
        with contextlib.suppress(RuntimeError):  # already open (the abort): let one through
            self._lock.release()

    def close(self) -> None:
        pass


Gate = EventGate | LockGate


def new_gate() -> Gate:
    """A shut gate: an eventfd where the system has one, else a lock."""
    if _eventfd is not None and _FLAGS:
        with contextlib.suppress(OSError):  # EMFILE: thousands of threads in one run
            return EventGate(_eventfd(0, _FLAGS))
    return LockGate()
