"""The deadlock proof: a hang in which every thread waits, untimed, on another is
reported before the trial timeout, and nothing else is.

Recognition is tested in this process on threads parked in each kind of wait; the
proof end to end in trial children with a trial timeout far longer than the test
could wait, so a hang that were not proven would show as a long run and a failed
assertion on the report's wording.  The negative cases are correct pipelines whose
threads all wait untimed on one another while a timer, or a pipe, is what wakes them.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from stress.core.config import TrialConfig
from stress.forms.targets import parse_target
from stress.trial import deadlock
from stress.trial.execution import run_trial
from tests.parked_waits import TIMEOUT, UNTIMED, Wait, at_inner_wait, parked, parked_frame

PROVEN = "proven before the trial timeout"
#: Far past how long any of these tests may run: a HANG seen here was proven.
LONG_TIMEOUT = 120.0

pytestmark = pytest.mark.smoke


# -- recognising one thread's wait ---------------------------------------------------------
def _timed_cases() -> dict[str, Callable[[], Wait]]:
    def queue_get_timeout() -> Wait:
        q: queue.Queue[int] = queue.Queue()
        return Wait(lambda: q.get(timeout=60), lambda: q.put(1), "")

    def simple_queue_get_timeout() -> Wait:
        q: queue.SimpleQueue[int] = queue.SimpleQueue()

        def body() -> None:
            q.get(timeout=60)  # WAIT

        return Wait(body, lambda: q.put(1), "")

    def lock_acquire_timeout() -> Wait:
        lock = threading.Lock()
        lock.acquire()

        def body() -> None:
            lock.acquire(timeout=60)  # WAIT

        return Wait(body, lock.release, "")

    def event_wait_timeout() -> Wait:
        event = threading.Event()
        return Wait(lambda: event.wait(60), event.set, "")

    def future_result_timeout() -> Wait:
        future: Future[int] = Future()
        return Wait(lambda: future.result(60), lambda: future.set_result(1), "")

    def futures_wait_timeout() -> Wait:
        future: Future[int] = Future()
        return Wait(
            lambda: concurrent.futures.wait([future], timeout=60),
            lambda: future.set_result(1),
            "",
        )

    def thread_join_timeout() -> Wait:
        event = threading.Event()
        other = threading.Thread(target=event.wait, daemon=True)
        other.start()

        def body() -> None:
            other.join(60)  # WAIT

        return Wait(body, event.set, "")

    def pipe_read() -> Wait:
        r, w = os.pipe()

        def body() -> None:
            os.read(r, 1)  # WAIT
            os.close(r)

        def release() -> None:
            os.write(w, b"x")
            os.close(w)

        return Wait(body, release, "")

    return {f.__name__: f for f in (
        queue_get_timeout, simple_queue_get_timeout, lock_acquire_timeout,
        event_wait_timeout, future_result_timeout, futures_wait_timeout,
        thread_join_timeout, pipe_read,
    )}  # fmt: skip


def _at_timed_join(frame: Any) -> bool:
    """A timed ``Thread.join``: in ``join`` (3.13+) or under it (up to 3.12)."""
    return frame.f_code.co_name in ("join", "_wait_for_tstate_lock") or at_inner_wait(frame)


@pytest.mark.parametrize("case", sorted(UNTIMED))
def test_an_untimed_wait_on_another_thread_is_recognised(case: str) -> None:
    with parked(UNTIMED[case](), deadlock.untimed_wait):
        pass  # parked there: recognised (else it fails at the bound)


@pytest.mark.parametrize("case", sorted(_timed_cases()))
def test_a_timed_wait_or_a_wait_on_the_outside_world_is_not(case: str) -> None:
    with parked(_timed_cases()[case](), _at_timed_join) as frame:
        assert not deadlock.untimed_wait(frame)


def test_an_idle_executor_worker_is_recognised() -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="idle") as pool:
        pool.submit(int).result(TIMEOUT)
        worker = next(t for t in threading.enumerate() if t.name.startswith("idle"))
        frame = parked_frame(worker, lambda f: f.f_code.co_name == "_worker")
        assert deadlock.untimed_wait(frame)


class _LocalsUnread:
    """A frame stand-in at a real line whose locals must not be read (its thread may be
    running: without a GIL, reading them races with the thread)."""

    def __init__(self, function: Callable[..., object], line_text: str) -> None:
        import inspect

        self.f_code = function.__code__
        lines, first = inspect.getsourcelines(function)
        self.f_lineno = first + next(i for i, text in enumerate(lines) if line_text in text)

    @property
    def f_locals(self) -> dict[str, object]:
        raise AssertionError("read the locals of a frame that is not at a wait")


@pytest.mark.parametrize(
    ("function", "line_text"),
    [
        (threading.Condition.wait, "self._waiters.append(waiter)"),
        (threading.Condition.notify, "if not self._is_owned():"),
        (threading.Thread.start, "self._started.wait()"),
        (queue.Queue.put, "self._put(item)"),
    ],
    ids=["condition-wait-setup", "condition-notify", "thread-start", "queue-put-body"],
)
def test_a_frame_s_locals_are_read_only_at_a_wait_line(
    function: Callable[..., object], line_text: str
) -> None:
    assert not deadlock.untimed_wait(_LocalsUnread(function, line_text))  # type: ignore[arg-type]


def test_a_runnable_thread_keeps_the_proof_from_being_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread at an untimed wait but runnable in ``/proc`` (a lock handed to it, not
    yet run) is no proof, whether seen runnable before or after its frame is read."""
    wait = UNTIMED["lock_acquire"]()
    with parked(wait, deadlock.untimed_wait) as frame:
        ident = threading.get_ident() + 1  # any ident but the "watchdog"'s
        monkeypatch.setattr(deadlock, "_current_frames", lambda: {ident: frame})
        states: list[bytes] = []

        def one_thread_in(*_: object) -> list[list[bytes]]:
            state = states.pop(0) if states else b"S"
            return [[state, *[b"0"] * 14]]

        monkeypatch.setattr(deadlock, "task_stats", one_thread_in)
        assert deadlock.snapshot(threading.get_ident(), 0) is not None  # asleep: a sample
        states[:] = [b"R"]
        assert deadlock.snapshot(threading.get_ident(), 0) is None  # runnable before
        states[:] = [b"S", b"R"]
        assert deadlock.snapshot(threading.get_ident(), 0) is None  # runnable after


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
