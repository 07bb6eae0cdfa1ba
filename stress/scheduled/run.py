"""One controlled run: :func:`run_controlled` (the entry point for a trial executor).

The calling thread is the *controller*: it never runs target code.  It installs the
stand-ins (if not yet), starts the root controlled thread on ``body`` (which imports
or calls the target and returns a verdict), and waits on the run's end in real time.

Honesty: if the scheduler makes no step for ``stall_seconds`` of real time, the
running thread is blocked on something the scheduler does not control (a pipe, a
socket, a real lock made before the stand-ins, a long C call) or spinning without a
synchronisation point; the run is marked ``uncontrolled`` with where that thread is.
A thread still on a CPU or waiting for one (Linux: state ``R``: computing, or starved
on a loaded machine, where 1 s without a step happened in a test suite) is given
``BUSY_PATIENCE`` times as long first.
A thread not started under the scheduler that touches a stand-in during the run marks
it ``uncontrolled`` too.  An ``uncontrolled`` run is never a pass.

Whatever the end, the controller then aborts what is still alive (each thread raises
:class:`~stress.scheduled.scheduler.RunAborted` at its next synchronisation point)
and waits ``unwind_seconds`` for the threads to end; those that do not are counted in
``abandoned`` (the process should run no further schedule: they may hold state).
"""

from __future__ import annotations

import contextvars
import gc
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stress.scheduled import _real, standins, waitfor
from stress.scheduled.scheduler import (
    COMPLETED,
    DEADLOCK,
    STEP_LIMIT,
    UNCONTROLLED,
    RunAborted,
    Scheduler,
    Strategy,
    ThreadRecord,
)


@dataclass
class ControlledOutcome:
    """How a controlled run ended, and the schedule that led there."""

    status: str  # completed, deadlock, uncontrolled, step_limit, virtual_timeout, diverged
    reason: str = ""
    result: Any = None  # what ``body`` returned (completed runs)
    error: BaseException | None = None  # what ``body`` raised, if it did
    decisions: list[int] = field(default_factory=list)
    trace: list[str] | None = None
    waits: list[dict[str, Any]] = field(default_factory=list)  # the wait-for table
    cycle: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)  # alive when the caller had returned
    steps: int = 0
    threads: int = 0
    virtual_time: float = 0.0
    abandoned: int = 0  # threads that did not unwind in ``unwind_seconds``

    @property
    def controlled(self) -> bool:
        """The scheduler saw every step of the run (else nothing may be concluded)."""
        return self.status != UNCONTROLLED and self.abandoned == 0

    def describe(self) -> list[str]:
        """Report lines: the status, and for a deadlock the wait-for table and cycle."""
        lines = [f"{self.status}: {self.reason}" if self.reason else self.status]
        lines += waitfor.format_table(self.waits)
        if self.cycle:
            lines.append("cycle: " + " -> ".join([*self.cycle, self.cycle[0]]))
        return lines


#: A thread that computes (or waits for a CPU on a loaded machine) without a step is
#: given this many times ``stall_seconds`` before the run is called uncontrolled.
BUSY_PATIENCE = 4.0


def _on_a_cpu(rec: ThreadRecord | None) -> bool:
    """Whether ``rec``'s OS thread is running or runnable (Linux: state ``R`` in
    /proc), not asleep in the kernel as in a pipe read or a lock we do not control.
    False when that cannot be told: the stall then counts as before."""
    if rec is None or rec.native is None:
        return False
    try:
        with open(f"/proc/self/task/{rec.native}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
    except OSError:
        return False
    return bool(fields) and fields[0] == b"R"


def _stall_reason(sched: Scheduler, stall_seconds: float) -> str:
    rec = sched.running
    if rec is None:
        return f"no thread came back to the scheduler for {stall_seconds:g} s"
    _, line = waitfor._where(sys._current_frames().get(rec.ident or 0))
    return (
        f"{waitfor.thread_name(rec)} has not come back to the scheduler for "
        f"{stall_seconds:g} s (blocked outside its control, or busy): at {line}"
    )


def _start_caller(sched: Scheduler, root: Callable[[], None]) -> ThreadRecord:
    """Thread 0, the caller: a real ``threading.Thread`` (so ``current_thread()``,
    ``join`` and ``is_alive`` behave as for any thread), started as ``Thread.start``
    would start it but from outside the run, and parked until the run begins."""
    import threading  # noqa: PLC0415

    caller = threading.Thread(target=root, name="caller", daemon=True)
    if getattr(caller, "_context", False) is None:  # 3.14+: what start() would give it
        caller._context = contextvars.Context()  # type: ignore[attr-defined]
    handle = getattr(caller, "_os_thread_handle", getattr(caller, "_handle", None))
    with threading._active_limbo_lock:  # type: ignore[attr-defined]
        threading._limbo[caller] = caller  # type: ignore[attr-defined]
    controlled = handle if isinstance(handle, standins.ControlledHandle) else None
    return standins.spawn(sched, caller._bootstrap, (), None, controlled)  # type: ignore[attr-defined]


def run_controlled(
    body: Callable[[], Any],
    strategy: Strategy,
    *,
    stall_seconds: float = 1.0,
    unwind_seconds: float = 1.0,
    max_steps: int = 200_000,
    max_virtual_seconds: float = 3600.0,
    max_real_seconds: float = math.inf,
    leak_grace: float = 1.0,
    trace: bool = True,
    reuse_os_threads: bool = False,
) -> ControlledOutcome:
    """Run ``body`` as the root of a controlled run under ``strategy``; never hangs.

    Call it in a process whose target has not been imported before the stand-ins
    (``body`` may import it).  ``reuse_os_threads`` runs this run's threads on OS
    threads left idle by earlier runs (faster; each forgets its earlier lives' thread
    state first: see ``standins._Worker``).  Returns within about
    ``stall_seconds`` of the last step plus ``unwind_seconds``, and within
    ``max_real_seconds`` plus ``unwind_seconds`` whatever the steps (a ``step_limit``:
    ``max_steps`` takes seconds on a slow build, where threads spin on a lock while the
    strategy starves the one they wait for).
    """
    standins.install()
    sched = Scheduler(
        strategy,
        max_steps=max_steps,
        max_virtual_seconds=max_virtual_seconds,
        leak_grace=leak_grace,
        trace=trace,
        reuse_os_threads=reuse_os_threads,
    )
    sched.describe_waits = waitfor.wait_for_table
    box: dict[str, Any] = {}

    def root() -> None:
        try:
            box["result"] = body()
        except RunAborted:
            raise
        except BaseException as error:
            box["error"] = error

    # Cyclic GC runs at allocation counts that depend on the process's history, and
    # finalizers may synchronise: off during the run, so a replay meets the same points.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        first = _start_caller(sched, root)
        standins.set_active(sched)
        sched.running = first
        first.gate.release()
        # Honesty: the steps must keep coming; a thread stuck outside our control stops them.
        last, last_change, tick = sched.steps, _real.monotonic(), stall_seconds / 4
        give_up = last_change + max_real_seconds
        while not sched.finished.acquire(timeout=tick):
            now = _real.monotonic()
            if now >= give_up:
                why = f"no end in {max_real_seconds:g} s of real time ({sched.steps} steps)"
                sched.mark(STEP_LIMIT, why)
                break
            if sched.steps != last:
                last, last_change = sched.steps, now
            elif now - last_change >= stall_seconds and not (
                now - last_change < BUSY_PATIENCE * stall_seconds and _on_a_cpu(sched.running)
            ):
                sched.mark(UNCONTROLLED, _stall_reason(sched, stall_seconds))
                break
        leaked = []
        if sched.status == COMPLETED:
            leaked = [waitfor.thread_name(t) for t in sched.live]
        sched.abort()
        gone = sched.all_gone.acquire(timeout=unwind_seconds)
        if gone:  # no thread of the run can touch a gate now (gate.py)
            sched.close_gates()
    finally:
        standins.set_active(None)
        if gc_was_enabled:
            gc.enable()
    waits = sched.waits
    return ControlledOutcome(
        status=sched.status or UNCONTROLLED,
        reason=sched.reason,
        result=box.get("result"),
        error=box.get("error"),
        decisions=list(sched.decisions),
        trace=sched.trace,
        waits=waits,
        cycle=waitfor.find_cycle(waits) if sched.status == DEADLOCK else [],
        leaked=leaked,
        steps=sched.steps,
        threads=len(sched.threads),
        virtual_time=sched.now,
        abandoned=0 if gone else sched.os_threads,
    )
