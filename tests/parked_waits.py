"""Threads parked, for real, in each untimed wait the deadlock proof and wait naming know.

Each case builds a wait on a fresh object: ``body`` (run on a thread) blocks in it with
no timeout until ``release`` (called from the test) ends it, and ``named`` is what the
dump must say the thread waits on (:func:`stress.trial.waits.waits_on`).  The cases are
the waits a pipeline's threads end in: queue, lock, condition, event, barrier and
semaphore waits, and the caller's own endings (``Queue.join()``, ``Thread.join()``,
``Future.result()``, ``concurrent.futures.wait()``, ``as_completed()``,
``Executor.shutdown(wait=True)``).

:func:`parked` yields the thread's innermost frame once the thread sleeps in the
kernel at the wait (bounded by ``TIMEOUT``), then releases it and joins it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import linecache
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

TIMEOUT = 10.0


@dataclass(frozen=True)
class Wait:
    body: Callable[[], object]
    release: Callable[[], object]
    named: str  # a part of what waits_on() must answer for the parked thread


def _state(native_id: int) -> bytes:
    with open(f"/proc/self/task/{native_id}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()[0]


def parked_frame(thread: threading.Thread, at_wait: Callable[[FrameType], bool]) -> FrameType:
    """The thread's innermost frame once it sleeps in the kernel at its wait (bounded)."""
    tick, deadline = threading.Event(), time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(thread.ident or -1)
        if frame is not None and at_wait(frame) and _state(thread.native_id or -1) == b"S":
            again = sys._current_frames().get(thread.ident or -1)
            if again is frame and again.f_lineno == frame.f_lineno:
                return frame
        tick.wait(0.002)
    raise AssertionError(f"{thread.name} never parked at its wait")


def at_inner_wait(frame: FrameType) -> bool:
    """In ``Condition.wait`` (where every threading wait ends up), or on a ``# WAIT`` line."""
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    owner = frame.f_locals.get("self")
    return "# WAIT" in line or (
        frame.f_code.co_name == "wait" and isinstance(owner, threading.Condition)
    )


@contextmanager
def parked(wait: Wait, at_wait: Callable[[FrameType], bool]) -> Iterator[FrameType]:
    thread = threading.Thread(target=wait.body, daemon=True, name="parked")
    thread.start()
    try:
        yield parked_frame(thread, at_wait)
    finally:
        wait.release()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


# -- the waits a thread blocks in ------------------------------------------------------------
def queue_get() -> Wait:
    q: queue.Queue[int] = queue.Queue()
    return Wait(q.get, lambda: q.put(1), "get from queue.Queue")


def queue_put_full() -> Wait:
    q: queue.Queue[int] = queue.Queue(maxsize=1)
    q.put(0)
    return Wait(lambda: q.put(1), q.get, "put to queue.Queue")


def simple_queue_get() -> Wait:
    q: queue.SimpleQueue[int] = queue.SimpleQueue()

    def body() -> None:
        q.get()  # WAIT

    return Wait(body, lambda: q.put(1), "get on _queue.SimpleQueue")


def bound_get() -> Wait:
    get_item = queue.SimpleQueue[int]()
    release = get_item.put

    def body() -> None:
        get = get_item.get
        get()  # WAIT

    return Wait(body, lambda: release(1), "get on _queue.SimpleQueue")


def lock_acquire() -> Wait:
    lock = threading.Lock()
    lock.acquire()

    def body() -> None:
        lock.acquire()  # WAIT

    return Wait(body, lock.release, "acquire on _thread.lock")


def rlock_acquire() -> Wait:
    lock = threading.RLock()
    taken, let_go = threading.Event(), threading.Event()

    def hold() -> None:  # an RLock is released by its owner only: another thread holds it
        with lock:
            taken.set()
            let_go.wait(TIMEOUT)

    owner = threading.Thread(target=hold, daemon=True)
    owner.start()
    taken.wait(TIMEOUT)

    def body() -> None:
        lock.acquire()  # WAIT
        lock.release()

    def release() -> None:
        let_go.set()
        owner.join(TIMEOUT)

    return Wait(body, release, "acquire on _thread.RLock")


def with_lock() -> Wait:
    lock = threading.Lock()
    lock.acquire()

    def body() -> None:
        with lock:  # WAIT
            pass

    return Wait(body, lock.release, "with on _thread.lock")


def condition_wait() -> Wait:
    condition = threading.Condition()
    woken = [False]

    def body() -> None:
        with condition:
            while not woken[0]:
                condition.wait()

    def release() -> None:
        with condition:
            woken[0] = True
            condition.notify_all()

    return Wait(body, release, "wait on threading.Condition")


def barrier_wait() -> Wait:
    barrier = threading.Barrier(2)

    def body() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    return Wait(body, barrier.abort, "wait on threading.Barrier")


def event_wait() -> Wait:
    event = threading.Event()
    return Wait(event.wait, event.set, "wait on threading.Event")


def semaphore_acquire() -> Wait:
    semaphore = threading.Semaphore(0)
    return Wait(semaphore.acquire, semaphore.release, "acquire threading.Semaphore")


# -- the waits a pipeline's caller ends in -------------------------------------------------------
def queue_join() -> Wait:
    q: queue.Queue[int] = queue.Queue()
    q.put(1)
    q.get()  # taken, never marked done (until release)
    return Wait(q.join, q.task_done, "join of queue.Queue")


def thread_join() -> Wait:
    event = threading.Event()
    other = threading.Thread(target=event.wait, daemon=True)
    other.start()
    return Wait(other.join, event.set, "join of threading.Thread")


def future_result() -> Wait:
    future: Future[int] = Future()
    return Wait(
        future.result, lambda: future.set_result(1), "result of concurrent.futures._base.Future"
    )


def futures_wait() -> Wait:
    future: Future[int] = Future()
    return Wait(
        lambda: concurrent.futures.wait([future]),
        lambda: future.set_result(1),
        "concurrent.futures.wait() over 1 futures",
    )


def futures_as_completed() -> Wait:
    future: Future[int] = Future()
    return Wait(
        lambda: list(concurrent.futures.as_completed([future])),
        lambda: future.set_result(1),
        "concurrent.futures.as_completed() over 1 futures",
    )


def executor_shutdown() -> Wait:
    gate = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1)
    pool.submit(gate.wait)
    return Wait(
        lambda: pool.shutdown(wait=True), gate.set, "ThreadPoolExecutor.shutdown(), joining"
    )


UNTIMED: dict[str, Callable[[], Wait]] = {f.__name__: f for f in (
    queue_get, queue_put_full, simple_queue_get, bound_get, lock_acquire, rlock_acquire,
    with_lock, condition_wait, barrier_wait, event_wait, semaphore_acquire,
    queue_join, thread_join, future_result, futures_wait, futures_as_completed,
    executor_shutdown,
)}  # fmt: skip
