"""The real primitives, saved when this package is first imported (before any stand-in).

The scheduler parks and wakes its threads, measures real time and starts OS threads
with these; nothing else in the package may call the names the stand-ins replace.
Invariant: this module is imported before :func:`stress.scheduled.standins.install`
patches anything (the package's ``__init__`` imports it first), so every name here is
CPython's own.
"""

from __future__ import annotations

import _queue
import _thread
import os
import select
import time

allocate_lock = _thread.allocate_lock
RLock = _thread.RLock
LockType = _thread.LockType
start_new_thread = _thread.start_new_thread
get_ident = _thread.get_ident
local = _thread._local
get_native_id = _thread.get_native_id
SimpleQueue = _queue.SimpleQueue
sleep = time.sleep  # noqa: TID251 - the real sleep, for callers outside any run
monotonic = time.monotonic
monotonic_ns = time.monotonic_ns
perf_counter = time.perf_counter
perf_counter_ns = time.perf_counter_ns
wall_time = time.time
wall_time_ns = time.time_ns
select_fds = select.select
#: 3.11/3.12 only: the lock CPython releases as a thread state dies.
set_sentinel = getattr(_thread, "_set_sentinel", None)


def os_threads() -> set[int] | None:
    """Native ids of every thread of this process (Linux), threads without a Python
    frame too (a C extension's); None where the system does not say."""
    try:
        return {int(name) for name in os.listdir("/proc/self/task")}
    except OSError:
        return None
