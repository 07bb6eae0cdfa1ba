"""The deadlock proof: a hang in which every thread waits, untimed, on another is
reported before the trial timeout, and nothing else is.

Recognition is tested in this process on threads parked in each kind of wait; the
proof end to end in trial children with a trial timeout far longer than the test
could wait, so a hang that were not proven would show as a long run and a failed
assertion on the report's wording.  The negative cases are correct pipelines whose
threads all wait untimed on one another while a timer, or a pipe, is what wakes them.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from stress.core.config import TrialConfig
from stress.forms.targets import parse_target
from stress.trial import deadlock
from stress.trial.execution import run_trial

TIMEOUT = 10.0
PROVEN = "proven before the trial timeout"
#: Far past how long any of these tests may run: a HANG seen here was proven.
LONG_TIMEOUT = 120.0

pytestmark = pytest.mark.smoke


# -- recognising one thread's wait ---------------------------------------------------------
def _state(native_id: int) -> bytes:
    with open(f"/proc/self/task/{native_id}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()[0]


def _parked_frame(thread: threading.Thread, at_wait: Callable[[FrameType], bool]) -> FrameType:
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


def _at_inner_wait(frame: FrameType) -> bool:
    """In ``Condition.wait`` (where every threading wait ends up), or on a ``# WAIT`` line."""
    import linecache

    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    owner = frame.f_locals.get("self")
    return "# WAIT" in line or (
        frame.f_code.co_name == "wait" and isinstance(owner, threading.Condition)
    )


@contextmanager
def parked(
    body: Callable[[], object], release: Callable[[], object], at_wait: Callable[[FrameType], bool]
) -> Iterator[FrameType]:
    thread = threading.Thread(target=body, daemon=True, name="parked")
    thread.start()
    try:
        yield _parked_frame(thread, at_wait)
    finally:
        release()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def _untimed_cases() -> dict[str, Callable[[], tuple[Callable[[], object], Callable[[], object]]]]:
    def queue_get() -> tuple[Callable[[], object], Callable[[], object]]:
        q: queue.Queue[int] = queue.Queue()
        return q.get, (lambda: q.put(1))

    def simple_queue_get() -> tuple[Callable[[], object], Callable[[], object]]:
        q: queue.SimpleQueue[int] = queue.SimpleQueue()

        def body() -> None:
            q.get()  # WAIT

        return body, (lambda: q.put(1))

    def bound_get() -> tuple[Callable[[], object], Callable[[], object]]:
        get_item = queue.SimpleQueue[int]()
        release = get_item.put

        def body() -> None:
            get = get_item.get
            get()  # WAIT

        return body, (lambda: release(1))

    def lock_acquire() -> tuple[Callable[[], object], Callable[[], object]]:
        lock = threading.Lock()
        lock.acquire()

        def body() -> None:
            lock.acquire()  # WAIT

        return body, lock.release

    def with_lock() -> tuple[Callable[[], object], Callable[[], object]]:
        lock = threading.Lock()
        lock.acquire()

        def body() -> None:
            with lock:  # WAIT
                pass

        return body, lock.release

    def barrier_wait() -> tuple[Callable[[], object], Callable[[], object]]:
        barrier = threading.Barrier(2)

        def body() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

        return body, barrier.abort

    def event_wait() -> tuple[Callable[[], object], Callable[[], object]]:
        event = threading.Event()
        return event.wait, event.set

    def semaphore_acquire() -> tuple[Callable[[], object], Callable[[], object]]:
        semaphore = threading.Semaphore(0)
        return semaphore.acquire, semaphore.release

    def thread_join() -> tuple[Callable[[], object], Callable[[], object]]:
        event = threading.Event()
        other = threading.Thread(target=event.wait, daemon=True)
        other.start()
        return other.join, event.set

    def future_result() -> tuple[Callable[[], object], Callable[[], object]]:
        future: Future[int] = Future()
        return future.result, (lambda: future.set_result(1))

    return {f.__name__: f for f in (
        queue_get, simple_queue_get, bound_get, lock_acquire, with_lock, barrier_wait,
        event_wait, semaphore_acquire, thread_join, future_result,
    )}  # fmt: skip


def _timed_cases() -> dict[str, Callable[[], tuple[Callable[[], object], Callable[[], object]]]]:
    def queue_get_timeout() -> tuple[Callable[[], object], Callable[[], object]]:
        q: queue.Queue[int] = queue.Queue()
        return (lambda: q.get(timeout=60)), (lambda: q.put(1))

    def simple_queue_get_timeout() -> tuple[Callable[[], object], Callable[[], object]]:
        q: queue.SimpleQueue[int] = queue.SimpleQueue()

        def body() -> None:
            q.get(timeout=60)  # WAIT

        return body, (lambda: q.put(1))

    def lock_acquire_timeout() -> tuple[Callable[[], object], Callable[[], object]]:
        lock = threading.Lock()
        lock.acquire()

        def body() -> None:
            lock.acquire(timeout=60)  # WAIT

        return body, lock.release

    def event_wait_timeout() -> tuple[Callable[[], object], Callable[[], object]]:
        event = threading.Event()
        return (lambda: event.wait(60)), event.set

    def future_result_timeout() -> tuple[Callable[[], object], Callable[[], object]]:
        future: Future[int] = Future()
        return (lambda: future.result(60)), (lambda: future.set_result(1))

    def pipe_read() -> tuple[Callable[[], object], Callable[[], object]]:
        r, w = os.pipe()

        def body() -> None:
            os.read(r, 1)  # WAIT
            os.close(r)

        def release() -> None:
            os.write(w, b"x")
            os.close(w)

        return body, release

    return {f.__name__: f for f in (
        queue_get_timeout, simple_queue_get_timeout, lock_acquire_timeout,
        event_wait_timeout, future_result_timeout, pipe_read,
    )}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_untimed_cases()))
def test_an_untimed_wait_on_another_thread_is_recognised(case: str) -> None:
    body, release = _untimed_cases()[case]()
    with parked(body, release, deadlock.untimed_wait):
        pass  # parked there: recognised (else it fails at the bound)


@pytest.mark.parametrize("case", sorted(_timed_cases()))
def test_a_timed_wait_or_a_wait_on_the_outside_world_is_not(case: str) -> None:
    body, release = _timed_cases()[case]()
    with parked(body, release, _at_inner_wait) as frame:
        assert not deadlock.untimed_wait(frame)


def test_an_idle_executor_worker_is_recognised() -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="idle") as pool:
        pool.submit(int).result(TIMEOUT)
        worker = next(t for t in threading.enumerate() if t.name.startswith("idle"))
        frame = _parked_frame(worker, lambda f: f.f_code.co_name == "_worker")
        assert deadlock.untimed_wait(frame)


def test_the_proof_needs_the_same_places_and_no_cpu_over_the_whole_window() -> None:
    places = frozenset({(1, 2, 3)})
    proof = deadlock.DeadlockProof(window=0.2, needed=3)
    assert not proof.add(0.00, 5, (places, 100))
    assert not proof.add(0.10, 5, (places, 101))  # one tick: a thread just woken
    assert not proof.add(0.15, 5, (places, 101))  # three samples, but 0.15 s
    assert proof.add(0.20, 5, (places, 101))
    for broken in [
        (0.3, 6, (places, 101)),  # progress moved
        (0.3, 5, (places, 102)),  # CPU used (two ticks since the first sample)
        (0.3, 5, (frozenset({(1, 2, 4)}), 101)),  # a thread moved
        (0.3, 5, None),  # some thread not provably waiting
    ]:
        fresh = deadlock.DeadlockProof(window=0.2, needed=3)
        for sample in [(0.0, 5, (places, 100)), (0.1, 5, (places, 100))]:
            fresh.add(*sample)
        assert not fresh.add(*broken)
        assert not fresh.add(0.35, 5, (places, 100))  # the window starts again


# -- the proof in trials -------------------------------------------------------------------
HANGS = {
    # a stage raising: counted's consumer waits for a result that never comes
    "counted": TrialConfig(
        seed=1, k=1, workers=(1,), items=1, fault_stage=0, fault_call=0, schedule="zero"
    ),
    # a barrier sized for more workers than there are items
    "tests.zoo.broken_hang_warmup_barrier:pipeline": TrialConfig(
        seed=2, k=1, workers=(2,), items=1, schedule="zero"
    ),
    # the tutorial's barrier variant with a fault: a worker never reaches the barrier
    "barrier": TrialConfig(
        seed=1, k=1, workers=(2,), items=1, fault_stage=0, fault_call=0, schedule="zero"
    ),
}


@pytest.mark.parametrize("target", sorted(HANGS))
def test_a_deadlock_is_proven_long_before_the_trial_timeout(target: str) -> None:
    record = run_trial(parse_target(target), HANGS[target], trial_timeout=LONG_TIMEOUT)
    text = "\n".join(record.details)
    assert record.category == "HANG", text[:3000]
    assert PROVEN in text, text[:3000]
    assert not record.unconfirmed


# -- correct pipelines whose threads all wait untimed, woken from outside ------------------
def _run(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], wake: Callable[[], object]
) -> list[Any]:
    """One worker per stage, all parked on an untimed ``Event.wait`` until ``wake``."""
    start = threading.Event()
    queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    end = object()

    def work(k: int) -> None:
        start.wait()
        while (item := queues[k].get()) is not end:
            queues[k + 1].put(stages[k](item))
        queues[k + 1].put(end)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(stages))]
    for thread in threads:
        thread.start()
    for item in items:
        queues[0].put(item)
    queues[0].put(end)

    def wake_then_start() -> None:
        wake()
        start.set()

    wake_up = threading.Thread(target=wake_then_start)
    wake_up.start()
    results = []
    while (result := queues[-1].get()) is not end:
        results.append(result)
    for thread in [*threads, wake_up]:
        thread.join()
    return results


def woken_by_a_timer(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """Correct: a timed wait (one second) is what starts the workers."""
    return _run(items, stages, lambda: threading.Event().wait(1.0))


def woken_by_a_pipe(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """Correct: a read from a pipe a timer writes to is what starts the workers."""
    r, w = os.pipe()
    timer = threading.Timer(1.0, lambda: os.write(w, b"x"))
    timer.start()

    def read() -> None:
        os.read(r, 1)

    try:
        return _run(items, stages, read)
    finally:
        timer.join()
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("name", ["woken_by_a_timer", "woken_by_a_pipe"])
def test_threads_waiting_untimed_on_a_wait_that_will_end_are_no_deadlock(name: str) -> None:
    spec = parse_target(f"tests.test_stress_deadlock:{name}")
    record = run_trial(spec, TrialConfig(seed=1, k=0, workers=(1, 1), items=3, schedule="zero"))
    assert record.category is None, "\n".join(record.details)[:3000]
