"""Pressure at synchronisation points: delays only, never a change of behaviour.

Installs happen in forked children (:func:`tests.fixed_child.in_child`); the sentinel
race scenarios run through :func:`stress.forms.fixed.measure.run_one`, one child per trial.
"""

from __future__ import annotations

from typing import Any

import pytest

from stress.forms.fixed import pressure
from stress.forms.fixed.items import default_items
from stress.forms.fixed.measure import run_one
from tests.fixed_child import in_child

#: Every point delays on every operation: the harshest setting for correctness.
HARSH = pressure.Pressure(1, 2, pressure.POINTS, rate=1.0, yield_share=0.5, max_us=20.0)


def _sync_objects_still_work() -> list[Any]:
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    pressure.install(HARSH)
    out: list[Any] = []
    with pressure.active():
        lock, rlock = threading.Lock(), threading.RLock()
        out.append([type(lock).__name__, type(rlock).__name__])
        with rlock, rlock:  # re-entrant
            out.append(lock.acquire(timeout=1) and not lock.acquire(blocking=False))
            lock.release()
        cond = threading.Condition(threading.Lock())
        box: list[int] = []

        def produce() -> None:
            with cond:
                box.append(1)
                cond.notify_all()

        with cond:
            producer = threading.Thread(target=produce)
            producer.start()
            out.append(bool(cond.wait_for(lambda: box, timeout=10)))
        producer.join(10)
        q: queue.Queue[int] = queue.Queue(maxsize=2)
        simple: queue.SimpleQueue[int] = queue.SimpleQueue()

        def feed() -> None:
            for i in range(50):
                q.put(i)

        feeder = threading.Thread(target=feed)
        feeder.start()
        got = [q.get(timeout=10) for _ in range(50)]
        feeder.join(10)
        simple.put(5)
        out.append([got == list(range(50)), simple.get(timeout=1), simple.empty()])
        barrier = threading.Barrier(3)
        event = threading.Event()
        semaphore = threading.BoundedSemaphore(2)

        def meet() -> None:
            with semaphore:
                barrier.wait(10)
            event.wait(10)

        parties = [threading.Thread(target=meet) for _ in range(2)]
        for t in parties:
            t.start()
        barrier.wait(10)
        event.set()
        for t in parties:
            t.join(10)
        with ThreadPoolExecutor(4) as pool:
            out.append(sum(pool.map(lambda x: x * x, range(100))))
        out.append(any(t.is_alive() for t in [producer, feeder, *parties]))
    return out


def test_every_pressured_object_behaves_as_the_real_one() -> None:
    assert in_child(_sync_objects_still_work) == [
        ["PressLock", "PressRLock"],
        True,
        True,
        [True, 5, True],
        328350,
        False,
    ]


def _delays_by_thread(name: str, active: bool) -> list[list[Any]]:
    """(thread name, seconds) of every delay while a thread called ``name`` takes a lock."""
    import threading

    delays: list[list[Any]] = []

    def record(seconds: float) -> None:
        delays.append([threading.current_thread().name, seconds])

    setattr(pressure, "_pause", record)  # noqa: B010 -- count the delays instead
    pressure.install(HARSH)

    def work() -> None:
        lock = threading.Lock()
        for _ in range(20):
            with lock:
                pass

    worker = threading.Thread(target=work, name=name)
    if active:
        with pressure.active():
            worker.start()
            worker.join(10)
    else:
        worker.start()
        worker.join(10)
    return delays


def test_nothing_is_delayed_outside_the_target_call() -> None:
    assert in_child(lambda: _delays_by_thread("w", active=False)) == []


def test_the_harness_threads_are_never_delayed() -> None:
    delays = in_child(lambda: _delays_by_thread("stress-watchdog", active=True))
    assert "stress-watchdog" not in {name for name, _ in delays}
    delays = in_child(lambda: _delays_by_thread("stage-1", active=True))
    assert "stage-1" in {name for name, _ in delays}


def test_a_thread_draws_the_same_delays_in_every_run() -> None:
    def worker_delays() -> list[Any]:
        return [s for n, s in _delays_by_thread("stage-1", active=True) if n == "stage-1"]

    first, second = in_child(worker_delays), in_child(worker_delays)
    assert len(first) >= 20
    assert first == second


def test_pressure_is_a_pure_function_of_seed_and_k_and_sometimes_off() -> None:
    drawn = [pressure.draw_pressure(4, k) for k in range(200)]
    assert drawn == [pressure.draw_pressure(4, k) for k in range(200)]
    assert any(p.rate == 0 for p in drawn)  # no delays, still counting operations
    assert all({"queue", "lock", "condition"} <= set(p.points) for p in drawn)
    assert len({p.to_json()["rate"] for p in drawn}) > 1


def test_installing_twice_in_one_process_is_refused() -> None:
    def twice() -> str:
        pressure.install(HARSH)
        try:
            pressure.install(HARSH)
        except RuntimeError as error:
            return str(error)
        return "installed twice"

    assert "once" in in_child(twice)


def _detections(target: str, setting: pressure.Pressure | None, trials: int) -> int:
    found = 0
    for k in range(trials):
        items = default_items(9, k, 1 + k % 2)
        if run_one(target, setting, items, timeout=10.0) != "ok":
            found += 1
            break
    return found


QUEUE_PRESSURE = pressure.Pressure(9, 0, ("queue", "lock"), rate=0.1, yield_share=0.0, max_us=50)


def test_queue_pressure_alone_finds_the_sentinel_race_with_one_or_two_items() -> None:
    """With 1-2 items and no patch the race needed ~0 of 100 plain trials (measured)."""
    assert _detections("tests.zoo.fixed_lost_shared_pool:pipeline", QUEUE_PRESSURE, 80) == 1


@pytest.mark.parametrize("name", ["fixed_correct_pool_sentinel"])
def test_pressure_never_fails_a_correct_pipeline(name: str) -> None:
    for k in range(15):
        items = default_items(9, k, 1 + 7 * k)
        assert run_one(f"tests.zoo.{name}:pipeline", QUEUE_PRESSURE, items, 10.0) == "ok"
