"""``queue.Queue.shutdown()`` (Python 3.13) for Python 3.11 and 3.12.

On 3.13 and later, :class:`ShutdownQueue` *is* ``queue.Queue`` and :class:`ShutDown`
is ``queue.ShutDown``.  Before that, a ``queue.Queue`` subclass gives the same
semantics, which are all the queue_shutdown design relies on:

* after ``shutdown()``, ``put`` raises ``ShutDown``; ``get`` still returns what is
  queued and raises ``ShutDown`` once the queue is empty;
* ``shutdown(immediate=True)`` also drops what is queued (counting it done for
  ``join``), so every ``get`` raises at once;
* either way every thread blocked in ``get`` or ``put`` wakes and re-checks.
"""

from __future__ import annotations

import queue
import sys
from typing import TypeVar

__all__ = ["ShutDown", "ShutdownQueue"]

if sys.version_info >= (3, 13):
    from queue import Queue as ShutdownQueue
    from queue import ShutDown
else:
    _T = TypeVar("_T")

    class ShutDown(Exception):
        """Raised by ``put`` on a shut-down queue, by ``get`` on a shut-down empty one."""

    class ShutdownQueue(queue.Queue[_T]):
        """``queue.Queue`` with 3.13's ``shutdown``; ``self.mutex`` guards ``is_shutdown``."""

        def __init__(self, maxsize: int = 0) -> None:
            super().__init__(maxsize)
            self.is_shutdown = False

        def shutdown(self, immediate: bool = False) -> None:
            """Refuse new items; with ``immediate``, drop queued ones too. Wake everyone."""
            with self.mutex:
                self.is_shutdown = True
                if immediate:  # drop what is queued, and count it done for join()
                    self.unfinished_tasks = max(0, self.unfinished_tasks - self._qsize())
                    self.queue.clear()
                    self.all_tasks_done.notify_all()
                self.not_empty.notify_all()
                self.not_full.notify_all()

        def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
            with self.not_full:
                if not self.is_shutdown and 0 < self.maxsize <= self._qsize():
                    if block and timeout is None:  # the common case: no clock, no predicate
                        while not self.is_shutdown and self._qsize() >= self.maxsize:
                            self.not_full.wait()
                    else:
                        _check_wait(block, timeout)
                        if not self.not_full.wait_for(self._room_or_shut_down, timeout):
                            raise queue.Full
                if self.is_shutdown:
                    raise ShutDown
                self._put(item)
                self.unfinished_tasks += 1
                self.not_empty.notify()

        def get(self, block: bool = True, timeout: float | None = None) -> _T:
            with self.not_empty:
                if not self.is_shutdown and not self._qsize():
                    if block and timeout is None:
                        while not self.is_shutdown and not self._qsize():
                            self.not_empty.wait()
                    else:
                        _check_wait(block, timeout, empty=True)
                        if not self.not_empty.wait_for(self._item_or_shut_down, timeout):
                            raise queue.Empty
                if not self._qsize():  # so shut down
                    raise ShutDown
                item = self._get()
                self.not_full.notify()
                return item

        def _room_or_shut_down(self) -> bool:
            return self.is_shutdown or self._qsize() < self.maxsize

        def _item_or_shut_down(self) -> bool:
            return self.is_shutdown or bool(self._qsize())

    def _check_wait(block: bool, timeout: float | None, *, empty: bool = False) -> None:
        """Raise as ``queue.Queue`` does when a call may not wait."""
        if not block:
            raise queue.Empty if empty else queue.Full
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
