"""The scheduler: real threads, one at a time, switched only at synchronisation points.

Every controlled thread is a real OS thread with its own *gate* (an eventfd, or a
real lock saved before any stand-in existed: gate.py) where it parks.  Invariant: at most one
controlled thread of a run is outside its gate at a time, the *running* one; it alone
changes the state of the stand-in primitives, so they need no lock of their own.  At
each synchronisation point the running thread calls :meth:`Scheduler.point` (it could
go on) or :meth:`Scheduler.block` (it waits for something); the scheduler computes
the *enabled* threads (not blocked, or blocked on something now ready, or whose timed
wait has expired), asks the strategy to pick one when there are two or more (that pick
is a *decision*, recorded), and hands over: it releases the chosen thread's gate and
parks on its own.

Time is virtual (:attr:`Scheduler.now`): when no thread is enabled but some wait with
a deadline (a sleep, a timed acquire, get, wait or join), the clock jumps to the
soonest deadline and those threads time out.  When no thread is enabled and none can
time out, the run is over: *completed* if the root (the caller's) thread has returned
(threads still blocked then are leaked), a *deadlock* otherwise, reported at once with
a wait-for table, or *uncontrolled* if a thread waits on a file descriptor (readiness
from outside the process is not the scheduler's to decide).

How it fails: every end (deadlock, a step or virtual-time limit, a replay that no
longer fits, a stall seen by the controller) parks the threads; the controller then
sets :attr:`Scheduler.aborting` and opens every gate, and each thread's next
synchronisation point raises :class:`RunAborted` (a ``BaseException``) so it unwinds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any, Protocol

from stress.scheduled import _real
from stress.scheduled.gate import new_gate

#: Threads of every run, by real ident, until their trampoline ends.
RECORDS: dict[int, ThreadRecord] = {}


class RunAborted(BaseException):
    """Raised at a synchronisation point of a run the controller is tearing down."""


class Strategy(Protocol):
    """Picks the next thread whenever two or more are enabled (see strategies.py)."""

    def choose(self, enabled: list[int]) -> int:
        """One of ``enabled`` (thread indexes, ascending)."""
        ...

    def new_thread(self, index: int) -> None:
        """Thread ``index`` has been created (indexes count up from 0, the root)."""
        ...


class Waitable(Protocol):
    """What a blocked thread waits on: it says when the wait could end."""

    def ready_for(self, waiter: ThreadRecord) -> bool: ...


class ThreadRecord:
    """One controlled thread: its gate, what it waits on, and whether it has ended."""

    __slots__ = (
        "blocker",
        "deadline",
        "done",
        "gate",
        "handle",
        "ident",
        "index",
        "kind",
        "native",
        "sched",
        "sentinels",
        "timed_out",
    )

    def __init__(self, sched: Scheduler, index: int) -> None:
        self.sched = sched
        self.index = index
        self.gate = new_gate()  # shut: parked until the scheduler first picks it
        self.blocker: Waitable | None = None
        self.kind = ""  # what kind of wait (for the table): "lock", "join", "get", ...
        self.deadline: float | None = None
        self.timed_out = False
        self.done = False
        self.ident: int | None = None
        self.native: int | None = None  # its native thread id, set as it starts
        self.sentinels: list[Any] = []  # 3.11/3.12 tstate locks, released at its end
        self.handle: Any = None  # the 3.13+ thread handle, marked done at its end

    def ready_for(self, waiter: ThreadRecord) -> bool:
        """A join on this thread can end."""
        return self.done


class _Never:
    """A sleep: only its deadline ends it."""

    def ready_for(self, waiter: ThreadRecord) -> bool:
        return False


NEVER = _Never()

#: Where the virtual clocks start in every run: ``monotonic``/``perf_counter`` (an
#: uptime of a day) and ``time`` (2026-01-01 00:00 UTC).
VIRTUAL_MONOTONIC_START = 86_400.0
VIRTUAL_WALL_START = 1_767_225_600.0

COMPLETED = "completed"
DEADLOCK = "deadlock"
UNCONTROLLED = "uncontrolled"
STEP_LIMIT = "step_limit"
VIRTUAL_TIMEOUT = "virtual_timeout"
DIVERGED = "diverged"


class Scheduler:
    """One controlled run's state (see the module docstring for the invariants)."""

    def __init__(
        self,
        strategy: Strategy,
        *,
        max_steps: int = 200_000,
        max_virtual_seconds: float = 3600.0,
        leak_grace: float = 1.0,
        trace: bool = True,
        reuse_os_threads: bool = False,
    ) -> None:
        self.strategy = strategy
        self.reuse_os_threads = reuse_os_threads
        self.max_steps = max_steps
        self.max_virtual = max_virtual_seconds
        self.leak_grace = leak_grace
        self.threads: list[ThreadRecord] = []
        self.live: list[ThreadRecord] = []
        self.now = 0.0  # virtual seconds since the run started
        # What the virtual clocks read at now == 0: the same in every run, so code that
        # reads a clock (``time.monotonic() % tick``, a timestamp) meets the same values
        # in a replay; threads outside the run read the real clocks.
        self.base_monotonic = VIRTUAL_MONOTONIC_START
        self.base_perf = VIRTUAL_MONOTONIC_START
        self.base_wall = VIRTUAL_WALL_START
        self.running: ThreadRecord | None = None  # the thread outside its gate
        self.created = 0  # objects given a creation-order hash (standins._stable_hash)
        #: Threads alive before the run (the controller, the harness's own): not the
        #: target's. Any other thread the scheduler did not start makes a run uncontrolled.
        #: By native id from /proc; by Python ident only where there is none (reading
        #: every thread's frame stops the world on a free-threaded build: once a run).
        self.outsiders_native = _real.os_threads()
        self.outsiders: set[int] = (
            set(sys._current_frames()) if self.outsiders_native is None else set()
        )
        self.steps = 0  # synchronisation points so far (the controller's progress signal)
        self.decisions: list[int] = []
        self.trace: list[str] | None = [] if trace else None
        self.status: str | None = None
        self.reason = ""
        self.waits: list[dict[str, Any]] = []  # the wait-for table, on a deadlock
        self.root_done_at: float | None = None
        self.aborting = False
        self.finished = _real.allocate_lock()
        self.finished.acquire()  # released once, when the run ends
        self._end_lock = _real.allocate_lock()
        self._count_lock = _real.allocate_lock()
        self.os_threads = 0  # trampolines not yet returned
        self.all_gone = _real.allocate_lock()
        self.all_gone.acquire()  # released when os_threads drops to 0 after the end
        self._labels: dict[int, str] = {}
        self._label_objects: list[object] = []  # keeps labelled objects' ids unique
        self.describe_waits: Callable[[Scheduler], list[dict[str, Any]]] | None = None

    # -- threads -------------------------------------------------------------------
    def new_thread(self) -> ThreadRecord:
        rec = ThreadRecord(self, len(self.threads))
        self.threads.append(rec)
        self.live.append(rec)
        with self._count_lock:
            self.os_threads += 1
        self.strategy.new_thread(rec.index)
        return rec

    def close_gates(self) -> None:
        """Give back the gates' descriptors: only once every trampoline has returned."""
        for t in self.threads:
            t.gate.close()

    def trampoline_ended(self) -> None:
        with self._count_lock:
            self.os_threads -= 1
            if self.os_threads == 0 and self.status is not None and self.all_gone.locked():
                self.all_gone.release()

    # -- synchronisation points ------------------------------------------------------
    def label(self, obj: object) -> str:
        """A name for ``obj`` that is the same in every replay: kind and first-use order."""
        key = id(obj)
        name = self._labels.get(key)
        if name is None:
            kind = type(obj).__name__.removeprefix("Controlled")
            name = f"{kind}#{len(self._labels)}"
            self._labels[key] = name
            self._label_objects.append(obj)
        return name

    def after(self, seconds: float) -> float:
        """The virtual time ``seconds`` from now, rounded up so that the clocks read
        at least ``seconds`` later there (float sums on a large base can fall short by
        one unit in the last place; a real sleep never ends early)."""
        due = self.now + seconds
        while (self.base_monotonic + due) - (self.base_monotonic + self.now) < seconds:
            due = math.nextafter(due, math.inf)
        return due

    def point(self, me: ThreadRecord, op: str, obj: object = None) -> None:
        """``me`` (running, not blocked) may be switched out here."""
        # The hot path (every synchronisation point, every line point): _count, _pick
        # and the hand-over inlined, no comprehension (a frame each on 3.11, and a call
        # of the line points' trace function).
        if self.aborting:
            return
        self.steps += 1
        if self.trace is not None or self.steps > self.max_steps:
            self._count(me, op, obj)
        nxt = self._pick()
        if nxt is None:
            self._end_stuck(me)
        elif nxt is not me:
            self.running = nxt
            nxt.gate.release()
            me.gate.acquire()
            if self.aborting:
                raise RunAborted

    def block(
        self, me: ThreadRecord, on: Waitable, kind: str, deadline: float | None, obj: object = None
    ) -> bool:
        """Park ``me`` until ``on`` is ready for it or ``deadline`` passes; True if it timed out.

        The caller re-checks its condition afterwards (another thread may have taken
        the lock between the wake-up and the re-check only if the strategy ran it first).
        """
        if self.aborting:
            raise RunAborted
        self.steps += 1
        if self.trace is not None or self.steps > self.max_steps:
            self._count(me, kind, obj)
        me.blocker, me.kind, me.deadline, me.timed_out = on, kind, deadline, False
        try:
            nxt = self._pick()
            if nxt is None:
                self._end_stuck(me)  # parks and raises
            elif nxt is not me:
                self.running = nxt
                nxt.gate.release()
                me.gate.acquire()
                if self.aborting:
                    raise RunAborted
            return me.timed_out
        finally:
            me.blocker, me.deadline = None, None

    def exit(self, me: ThreadRecord) -> None:
        """``me`` has ended: wake its joiners, then hand over without parking."""
        for lock in me.sentinels:  # what CPython's C code does as a thread state dies
            lock.release_as_runtime()
        if me.handle is not None:
            me.handle.mark_done()
        me.done = True
        self.live.remove(me)
        if me.index == 0:
            self.root_done_at = self.now
        if self.aborting or self.status is not None:
            return
        nxt = self._pick()
        if nxt is None:
            self._end(*self._stuck_status())
        else:
            self.running = nxt
            nxt.gate.release()

    # -- the machinery -------------------------------------------------------------
    def _count(self, me: ThreadRecord, op: str, obj: object) -> None:
        """The trace line of a step already counted, and the step limit."""
        if self.trace is not None:
            self.trace.append(
                f"{me.index} {op} {self.label(obj)}" if obj is not None else f"{me.index} {op}"
            )
        if self.steps > self.max_steps:
            self._end(STEP_LIMIT, f"more than {self.max_steps} synchronisation points")
            self._park(me)

    def _park(self, me: ThreadRecord) -> None:
        me.gate.acquire()
        if self.aborting:
            raise RunAborted

    def _enabled(self) -> list[ThreadRecord]:
        enabled = []
        for t in self.live:
            if t.blocker is None or t.timed_out or t.blocker.ready_for(t):
                enabled.append(t)
        return enabled

    def _pick(self) -> ThreadRecord | None:
        """The next thread to run, after a clock jump if need be; None if none can run."""
        enabled = []
        for t in self.live:
            if t.blocker is None or t.timed_out or t.blocker.ready_for(t):
                enabled.append(t)
        if len(enabled) == 1:
            return enabled[0]
        while not enabled:
            if not self._advance_clock():
                return None
            enabled = self._enabled()
            if len(enabled) == 1:
                return enabled[0]
        indexes = []
        for t in enabled:
            indexes.append(t.index)
        choice = self.strategy.choose(indexes)
        self.decisions.append(choice)
        for t in enabled:
            if t.index == choice:
                return t
        self._end(DIVERGED, f"decision {len(self.decisions)}: thread {choice} cannot run")
        return None

    def _advance_clock(self) -> bool:
        timed = [t for t in self.live if t.blocker is not None and t.deadline is not None]
        if not timed:
            return False
        soonest = min(t.deadline for t in timed if t.deadline is not None)
        if self.root_done_at is not None and soonest > self.root_done_at + self.leak_grace:
            return False  # the caller has returned: what still waits is leaked
        if soonest > self.max_virtual:
            self._end(VIRTUAL_TIMEOUT, f"virtual time passed {self.max_virtual:g} s")
            return False
        self.now = max(self.now, soonest)
        for t in timed:
            if t.deadline is not None and t.deadline <= self.now:
                t.timed_out = True
        return True

    def _stuck_status(self) -> tuple[str, str]:
        """Nothing can run: the run's end, and why (see the module docstring)."""
        if self.root_done_at is not None:
            return COMPLETED, ""
        if any(t.kind == "fd" for t in self.live):
            return UNCONTROLLED, "every thread waits and one waits on a file descriptor"
        now_native = _real.os_threads()
        if now_native is not None and self.outsiders_native is not None:
            ours = {t.native for t in self.threads}
            strangers = sorted(now_native - self.outsiders_native - ours)
        else:  # threads with a Python frame only
            ours = {t.ident for t in self.threads}
            strangers = sorted(set(sys._current_frames()) - self.outsiders - ours)
        if strangers:  # it may yet release what we wait for: no proof of a deadlock
            return UNCONTROLLED, (
                f"every controlled thread waits, and {len(strangers)} thread(s) the "
                "scheduler did not start are running"
            )
        return DEADLOCK, ""

    def _end_stuck(self, me: ThreadRecord) -> None:
        if self.status is None:
            self._end(*self._stuck_status())
        self._park(me)
        raise RunAborted  # not reached unless a gate is opened without aborting

    def _end(self, status: str, reason: str = "") -> None:
        if self.status is not None:
            return
        if status == DEADLOCK and self.describe_waits is not None:
            self.waits = self.describe_waits(self)
        self.mark(status, reason)

    def mark(self, status: str, reason: str) -> None:
        """End the run (first caller wins: a thread of the run, or the controller on a
        stall, or a stranger thread touching a stand-in, may race to it)."""
        with self._end_lock:
            if self.status is None:
                self.status, self.reason = status, reason
                self.finished.release()

    def abort(self) -> None:
        """Open every gate; each live thread raises :class:`RunAborted` and unwinds."""
        self.aborting = True
        for t in list(self.threads):
            if not t.done:
                t.gate.release()  # an open one lets a second pass: harmless (gate.py)
        with self._count_lock:
            if self.os_threads == 0 and self.all_gone.locked():
                self.all_gone.release()
