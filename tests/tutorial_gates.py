"""Gates for forcing races in the tutorial variants, and a structural deadlock detector.

A pipeline is *quiescent* when every one of its threads is parked where only another
of its threads could wake it: in an untimed ``Condition.wait`` (queue get/put, barrier,
event, an idle executor thread) whose waiter lock is still un-notified, or joining a
thread still listed by ``threading.enumerate`` (itself parked, or held by the test).
Two snapshots agreeing on the very same waiter objects prove that at one instant all
of them were parked at once, so nothing can move again unless the test releases a
thread it holds.  With no held thread that is a deadlock, proven by structure rather
than by a timeout.

An executor's idle threads block in ``SimpleQueue.get``, in C, where a thread that has
just taken a work item looks the same as one still waiting; :func:`parking_executors`
gives executors made meanwhile a ``queue.Queue`` instead, whose waits are conditions.
"""

from __future__ import annotations

import queue
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import thread as _futures_thread
from contextlib import contextmanager
from types import FrameType, SimpleNamespace
from typing import Any

#: Bound of every wait in a test; reaching it is a failure, never part of a schedule.
TIMEOUT = 20.0
_POLL = 0.002
_STDLIB = sysconfig.get_paths()["stdlib"]
_CONDITION_WAIT = threading.Condition.wait.__code__
_IDLE_WORKER = _futures_thread._worker.__code__
_JOINS = {"join", "_wait_for_tstate_lock"}


def _still_queued(condition: object, waiter: object) -> bool:
    """Whether ``waiter`` is still in ``condition``'s queue: ``notify()`` takes it out.

    Its lock's state does not tell: from 3.14 a release hands the lock straight to a
    thread that has waited over 1 ms, so a notified waiter's lock stays locked until
    its thread runs.  A deque being changed meanwhile answers "not queued" (the caller
    looks again).
    """
    try:
        return any(w is waiter for w in list(getattr(condition, "_waiters", ())))
    except RuntimeError:  # deque mutated during iteration
        return False


def _parked_on(frame: FrameType) -> object | None:
    """What ``frame``'s thread is parked on (a token stable while parked), else None."""
    code, local = frame.f_code, frame.f_locals
    if code is _CONDITION_WAIT:
        waiter = local.get("waiter")  # a timed wait may end by itself: never parked
        timed = local.get("timeout") is not None
        if waiter is None or timed or not waiter.locked():
            return None
        return waiter if _still_queued(local.get("self"), waiter) else None
    if code.co_name in _JOINS and code.co_filename == threading.__file__:
        joined = local.get("self")  # parked only while it is still listed: a thread leaves
        listed = joined in threading.enumerate()  # the list just before it stops running
        return joined if listed and isinstance(joined, threading.Thread) else None
    return None


def where(frame: FrameType | None) -> str:
    """``"Queue.get in _consume"``: the library call the first non-stdlib frame is in."""
    callee = None
    chain: list[FrameType] = []
    while frame is not None:
        chain.append(frame)
        if not frame.f_code.co_filename.startswith(_STDLIB):
            if callee is None:
                return frame.f_code.co_qualname
            return f"{callee.f_code.co_qualname} in {frame.f_code.co_name}"
        callee, frame = frame, frame.f_back
    if not chain:
        return "no frame"
    if any(f.f_code is _IDLE_WORKER for f in chain):
        return "idle"
    return f"{chain[0].f_code.co_qualname} in {chain[-1].f_code.co_qualname}"


@contextmanager
def parking_executors() -> Iterator[None]:
    """Executors made inside give their idle threads a condition to park on (a Queue)."""
    saved = _futures_thread.__dict__["queue"]
    _futures_thread.__dict__["queue"] = SimpleNamespace(SimpleQueue=queue.Queue, Empty=queue.Empty)
    try:
        yield
    finally:
        _futures_thread.__dict__["queue"] = saved


def _snapshot(threads: Iterable[threading.Thread]) -> dict[threading.Thread, object | None]:
    frames = sys._current_frames()
    out: dict[threading.Thread, object | None] = {}
    for thread in threads:
        frame = frames.get(thread.ident or -1)
        out[thread] = None if frame is None else _parked_on(frame)
    return out


def describe(threads: Iterable[threading.Thread]) -> dict[str, str]:
    """Each thread's name and where it is now (see :func:`where`)."""
    frames = sys._current_frames()
    return {t.name: where(frames.get(t.ident or -1)) for t in threads if t.is_alive()}


def quiescent(watched: Callable[[], list[threading.Thread]]) -> dict[str, str] | None:
    """Where each watched thread is parked if all are parked at one instant, else None."""
    threads = watched()
    first = _snapshot(threads)
    second = _snapshot(threads)
    if set(watched()) != set(threads) or any(
        token is None or second[thread] is not token for thread, token in first.items()
    ):
        return None
    return describe(threads)


def wait_until_quiescent(
    watched: Callable[[], list[threading.Thread]], timeout: float = TIMEOUT
) -> dict[str, str]:
    """Poll until :func:`quiescent` holds; fail with every thread's position at ``timeout``."""
    tick, deadline = threading.Event(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (state := quiescent(watched)) is not None:
            return state
        tick.wait(_POLL)
    raise AssertionError(f"threads never all parked: {describe(watched())}")


def join_started(thread: threading.Thread, timeout: float = TIMEOUT) -> None:
    """Join ``thread``, waiting first (within ``timeout``) for it to have started.

    ``threading.enumerate()`` lists threads that are still starting, and joining one
    of those raises "cannot join thread before it is started" (seen on 3.14t, where
    starting takes longer relative to the caller).
    """
    deadline = time.monotonic() + timeout
    started: threading.Event = thread._started  # type: ignore[attr-defined]
    if started.wait(max(0.0, deadline - time.monotonic())):
        thread.join(max(0.0, deadline - time.monotonic()))


def new_threads(before: set[threading.Thread], *, held: Hold) -> list[threading.Thread]:
    """Live threads started since ``before``, less those ``held`` parks on purpose."""
    exclude = held.holders()
    return [t for t in threading.enumerate() if t not in before and t.ident not in exclude]


class Calls:
    """Stage calls counted per stage; exact under its lock."""

    def __init__(self, stages: int) -> None:
        self._lock, self._counts = threading.Lock(), [0] * stages

    def add(self, k: int) -> None:
        with self._lock:
            self._counts[k] += 1

    def counts(self) -> list[int]:
        with self._lock:
            return list(self._counts)


class Hold:
    """Parks chosen stage calls until the test releases their group; never longer than TIMEOUT.

    ``entered`` counts calls that have parked.  After :meth:`release_all` nothing parks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[int, tuple[str, threading.Event]] = {}
        self._open = False
        self.entered = threading.Semaphore(0)

    def park(self, group: str) -> None:
        gate = threading.Event()
        with self._lock:
            if self._open:
                return
            self._held[threading.get_ident()] = (group, gate)
        self.entered.release()
        released = gate.wait(TIMEOUT)
        with self._lock:
            self._held.pop(threading.get_ident(), None)
        assert released, f"held call in group {group!r} never released"

    def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert self.entered.acquire(timeout=TIMEOUT), "a held call never arrived"

    def holders(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def release(self, group: str | None = None) -> None:
        """Let the parked calls of ``group`` (default: all) go; they stop counting as held."""
        with self._lock:
            for ident, (name, gate) in list(self._held.items()):
                if group is None or name == group:
                    gate.set()
                    del self._held[ident]

    def release_all(self) -> None:
        """Release every parked call and let later ones pass without parking."""
        with self._lock:
            self._open = True
        self.release()


class Caller:
    """Runs the target's whole iteration in a thread of its own, so every wait is bounded."""

    def __init__(self, hold: Hold) -> None:
        self.hold = hold
        self.before = set(threading.enumerate())
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="caller")  # no `with`: may hang

    def start(self, target: Callable[..., Iterable[Any]], *args: Any) -> Future[list[Any]]:
        def call() -> list[Any]:
            threading.current_thread().name = "caller"
            return list(target(*args))

        return self._pool.submit(call)

    def pipeline_threads(self) -> list[threading.Thread]:
        return new_threads(self.before, held=self.hold)

    def wait_until_quiescent(self) -> dict[str, str]:
        """Wait until the caller and every worker not held are parked; where each is."""
        return wait_until_quiescent(self.pipeline_threads)

    def close(self) -> None:
        self.hold.release_all()
        self._pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def calling() -> Iterator[Caller]:
    """A :class:`Caller` with a fresh :class:`Hold` (executors made inside park visibly)."""
    with parking_executors():
        caller = Caller(Hold())
        try:
            yield caller
        finally:
            caller.close()


def tag(k: int) -> Callable[[object], str]:
    """Stage ``k`` of the test pipelines: ``x -> "x>k"``, so a result names its path."""

    def stage(x: object) -> str:
        return f"{x}>{k}"

    return stage


def tags(n: int) -> list[Callable[[object], str]]:
    return [tag(k) for k in range(n)]
