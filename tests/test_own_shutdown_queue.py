"""reference._shutdown_queue: 3.13's ``Queue.shutdown()`` semantics on every version.

On 3.13+ the module must be the standard library's queue (CI's smoke run on 3.13 checks
the design on the real implementation); before that, the backport must behave alike.
"""

from __future__ import annotations

import queue
import sys
import threading

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
