"""Keep a scheduled trial's process on one CPU: its hand-overs then stay on that CPU.

Under the scheduler only one controlled thread runs at a time, so a second CPU buys
the process nothing; what it costs is the hand-over.  Each switch wakes the chosen
thread (its gate) and, with the GIL, the GIL's waiter; woken on the other CPU that is
an inter-processor wake-up (a VM exit in a virtual machine), on the same CPU a
context switch.  Measured with ``reports/bench/sched_core.py`` (countdown 2x2, 4
items, sync points, 3.11 on this 2-core VM): 503 -> 1,000 schedules a second, CPU
per schedule 1.9 -> 0.95 ms; 3.14: 255 -> 368 a second with every kind of point.

Invariant: only a process whose threads run one at a time calls :func:`pin`, and only
where the GIL is on.  On 3.14t without it, ``_thread`` locks spin before they park,
and a spinning waiter on the only CPU keeps the thread it waits for off it: 62 -> 39
schedules a second pinned, so there :func:`pin` does nothing.  The CPU chosen is the
one the process is on (the kernel's placement, so two trial children running at once
usually end up on two CPUs); threads started afterwards inherit it, and a stalled
thread stays runnable (``R``), which the stall check reads as busy, not uncontrolled.
"""

from __future__ import annotations

import os
import sys


def _current_cpu() -> int | None:
    """The CPU this thread last ran on (Linux: field 39 of its ``stat``), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
        return int(fields[36])  # fields after the name start at field 3
    except (OSError, IndexError, ValueError):
        return None


def pin() -> int | None:
    """Restrict this thread (and threads it starts later) to one of its allowed CPUs.

    Returns the CPU, or None when nothing was changed: the GIL is off, the system has
    no affinity call, or the process may use one CPU only anyway."""
    gil_enabled = getattr(sys, "_is_gil_enabled", None)
    setaffinity = getattr(os, "sched_setaffinity", None)
    getaffinity = getattr(os, "sched_getaffinity", None)
    if (gil_enabled is not None and not gil_enabled()) or setaffinity is None:
        return None
    assert getaffinity is not None
    allowed = sorted(getaffinity(0))
    if len(allowed) < 2:
        return None
    cpu = _current_cpu()
    if cpu not in allowed:
        cpu = allowed[os.getpid() % len(allowed)]
    try:
        setaffinity(0, {cpu})
    except OSError:
        return None
    return cpu
