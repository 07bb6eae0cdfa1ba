"""reference._shutdown_queue: 3.13's ``Queue.shutdown()`` semantics on every version.

On 3.13+ the module must be the standard library's queue (CI's smoke run on 3.13 checks
the design on the real implementation); before that, the backport must behave alike.
"""

from __future__ import annotations

import queue
import sys
import threading
import time

import pytest

from reference._shutdown_queue import ShutDown, ShutdownQueue
from tests.test_own_support import TIMEOUT

pytestmark = pytest.mark.smoke


@pytest.mark.skipif(sys.version_info < (3, 13), reason="Queue.shutdown() arrived in 3.13")
def test_on_python_3_13_the_standard_library_queue_is_used() -> None:
    assert ShutdownQueue is queue.Queue
    assert ShutDown is queue.ShutDown  # type: ignore[attr-defined,unused-ignore]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="the backport is for 3.11 and 3.12")
def test_before_3_13_the_backport_is_a_queue_subclass() -> None:
    assert issubclass(ShutdownQueue, queue.Queue)
    assert ShutdownQueue is not queue.Queue


def test_after_shutdown_put_raises_and_get_drains_then_raises() -> None:
    q: ShutdownQueue[int] = ShutdownQueue()
    q.put(1)
    q.put(2)
    q.shutdown()
    with pytest.raises(ShutDown):
        q.put(3)
    assert [q.get(), q.get()] == [1, 2]
    with pytest.raises(ShutDown):
        q.get()
    with pytest.raises(ShutDown):
        q.get_nowait()


def test_immediate_shutdown_drops_queued_items_and_releases_join() -> None:
    q: ShutdownQueue[int] = ShutdownQueue()
    q.put(1)
    q.shutdown(immediate=True)
    with pytest.raises(ShutDown):
        q.get()
    q.join()  # the dropped item counts as done: returns at once


def test_nowait_and_timeouts_behave_as_queue_queue() -> None:
    q: ShutdownQueue[int] = ShutdownQueue(1)
    with pytest.raises(queue.Empty):
        q.get_nowait()
    with pytest.raises(queue.Empty):
        q.get(timeout=0)
    q.put(1)
    with pytest.raises(queue.Full):
        q.put_nowait(2)
    with pytest.raises(queue.Full):
        q.put(2, timeout=0)
    with pytest.raises(ValueError, match="non-negative"):
        q.put(2, timeout=-1)
    assert q.get(timeout=0) == 1


class _AnnouncingCondition(threading.Condition):
    """A condition that releases ``waiting`` each time a thread is about to wait on it."""

    def __init__(self, lock: threading.Lock, waiting: threading.Semaphore) -> None:
        super().__init__(lock)
        self.waiting = waiting

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.release()
        return super().wait(timeout)


@pytest.mark.parametrize("immediate", [False, True])
def test_shutdown_wakes_every_blocked_getter_and_putter(immediate: bool) -> None:
    empty: ShutdownQueue[int] = ShutdownQueue()
    full: ShutdownQueue[int] = ShutdownQueue(1)
    full.put(0)
    waiting = threading.Semaphore(0)
    empty.not_empty = _AnnouncingCondition(empty.mutex, waiting)
    full.not_full = _AnnouncingCondition(full.mutex, waiting)
    outcomes: list[str] = []
    lock = threading.Lock()

    def wait(call: object) -> None:
        try:
            call()  # type: ignore[operator]
        except ShutDown:
            with lock:
                outcomes.append("ShutDown")

    getters = [threading.Thread(target=wait, args=(empty.get,)) for _ in range(3)]
    putters = [threading.Thread(target=wait, args=(lambda: full.put(1),)) for _ in range(3)]
    for thread in getters + putters:
        thread.start()
    for _ in range(6):  # every getter and putter is blocked (its wait holds no lock)
        assert waiting.acquire(timeout=TIMEOUT)
    empty.shutdown(immediate=immediate)
    full.shutdown(immediate=immediate)
    for thread in getters + putters:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert outcomes == ["ShutDown"] * 6


def joined(threads: list[threading.Thread]) -> bool:
    """Join every thread within one shared :data:`TIMEOUT`; True if all have ended.

    The threads of the tests below are daemons: one left blocked by a broken queue
    fails its test and does not keep the test process from exiting.
    """
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def test_a_put_wakes_every_getter_blocked_on_an_empty_queue() -> None:
    empty: ShutdownQueue[int] = ShutdownQueue(2)
    waiting = threading.Semaphore(0)
    empty.not_empty = _AnnouncingCondition(empty.mutex, waiting)
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        item = empty.get()
        with lock:
            got.append(item)

    getters = [threading.Thread(target=take, daemon=True) for _ in range(3)]
    for thread in getters:
        thread.start()
    for _ in getters:  # all three are waiting on the empty queue
        assert waiting.acquire(timeout=TIMEOUT)
    for item in range(3):
        empty.put(item, timeout=TIMEOUT)  # room again as soon as a getter takes one
    assert joined(getters), "a put did not wake a blocked getter"
    assert sorted(got) == [0, 1, 2]


def test_a_get_wakes_every_putter_blocked_on_a_full_queue() -> None:
    full: ShutdownQueue[int] = ShutdownQueue(1)
    full.put(0)
    waiting = threading.Semaphore(0)
    full.not_full = _AnnouncingCondition(full.mutex, waiting)
    putters = [threading.Thread(target=full.put, args=(item,), daemon=True) for item in (1, 2, 3)]
    for thread in putters:
        thread.start()
    for _ in putters:  # all three are waiting for room
        assert waiting.acquire(timeout=TIMEOUT)
    got = [full.get(timeout=TIMEOUT) for _ in range(4)]
    assert joined(putters), "a get did not wake a blocked putter"
    assert got[0] == 0
    assert sorted(got) == [0, 1, 2, 3]


@pytest.mark.parametrize("maxsize", [0, 1, 3])
def test_many_producers_and_consumers_get_every_item_exactly_once(maxsize: int) -> None:
    """Consumers read until ShutDown, which comes once every producer has finished."""
    q: ShutdownQueue[int] = ShutdownQueue(maxsize)
    producers_left = [4]
    lock = threading.Lock()
    got: list[int] = []

    def produce(first: int) -> None:
        for item in range(first, first + 500):
            q.put(item)
        with lock:
            producers_left[0] -= 1
            last = producers_left[0] == 0
        if last:
            q.shutdown()

    def consume() -> None:
        mine = []
        while True:
            try:
                mine.append(q.get())
            except ShutDown:
                break
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=produce, args=(500 * p,), daemon=True) for p in range(4)]
    threads += [threading.Thread(target=consume, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert joined(threads), "a producer or consumer is stuck"
    assert sorted(got) == list(range(2000))
