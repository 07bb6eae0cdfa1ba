"""Keep a scheduled trial's process on one CPU: its hand-overs then stay on that CPU.

Under the scheduler only one controlled thread runs at a time, so a second CPU buys
the process nothing; what it costs is the hand-over.  Each switch wakes the chosen
thread (its gate) and, with the GIL, the GIL's waiter; woken on the other CPU that is
an inter-processor wake-up (a VM exit in a virtual machine), on the same CPU a
context switch.  Measured with ``reports/bench/sched_core.py`` (countdown 2x2, 4
items, sync points, 3.11 on this 2-core VM): 503 -> 1,000 schedules a second, CPU
per schedule 1.9 -> 0.95 ms; 3.14: 255 -> 368 a second with every kind of point.
Free-threaded 3.14t too, since the gates are eventfds (gate.py; a ``_thread`` lock's
waiter there spins before it parks, and on the only CPU kept the thread it waited for
off it: 62 -> 39 schedules a second pinned with lock gates): with eventfd gates and
reused threads, 401 -> 746 a second pinned (sync points).

Invariant: only a process whose threads run one at a time calls :func:`pin`. Trials run
two at a time: the parent hands each scheduled trial the CPU the fewest of its running
trials hold (:class:`Allotment`; the CPU a child happens to be on is no guide, a forked
child starts on its parent's, and two children pinned there ran at half speed: 515 ->
361 schedules a second in ``bench modes``). Threads started afterwards inherit the CPU,
and a stalled thread stays runnable (``R``), which the stall check reads as busy, not
uncontrolled.
"""

from __future__ import annotations

import os


def _current_cpu() -> int | None:
    """The CPU this thread last ran on (Linux: field 39 of its ``stat``), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
        return int(fields[36])  # fields after the name start at field 3
    except (OSError, IndexError, ValueError):
        return None


def allowed_cpus() -> list[int]:
    """The CPUs this process may run on (ascending); empty where the system does not say."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    return [] if getaffinity is None else sorted(getaffinity(0))


class Allotment:
    """The parent's record of which CPU each of its running scheduled trials holds.

    Invariant: :meth:`take` returns an allowed CPU held by the fewest trials (the
    lowest such), or None where there is nothing to choose; every CPU taken is given
    back once (:meth:`give`), when its trial has ended or is abandoned."""

    def __init__(self) -> None:
        self.held: dict[int, int] = {}

    def take(self) -> int | None:
        allowed = allowed_cpus()
        if len(allowed) < 2:
            return None
        cpu = min(allowed, key=lambda c: (self.held.get(c, 0), c))
        self.held[cpu] = self.held.get(cpu, 0) + 1
        return cpu

    def give(self, cpu: int | None) -> None:
        if cpu is not None and self.held.get(cpu, 0) > 0:
            self.held[cpu] -= 1


#: The harness process's allotment (its searches, shrinks and twins share the CPUs).
ALLOTMENT = Allotment()


def pin(cpu: int | None = None) -> int | None:
    """Restrict this thread (and threads it starts later) to ``cpu``, or to the one it
    is on when ``cpu`` is None or not allowed.

    Returns the CPU, or None when nothing was changed: the system has no affinity
    call, or the process may use one CPU only anyway."""
    setaffinity = getattr(os, "sched_setaffinity", None)
    if setaffinity is None:
        return None
    allowed = allowed_cpus()
    if len(allowed) < 2:
        return None
    if cpu not in allowed:
        cpu = _current_cpu()
    if cpu not in allowed:
        cpu = allowed[os.getpid() % len(allowed)]
    try:
        setaffinity(0, {cpu})
    except OSError:
        return None
    return cpu
