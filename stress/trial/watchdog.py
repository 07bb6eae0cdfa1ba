"""The trial's watchdog: HANG when the call never ends, proven or confirmed.

It runs on a bare ``_thread`` thread in the trial's child (:mod:`stress.trial.child`).  Two
ways to a HANG, and neither reports a call that is still moving:

* before the trial timeout, a proven deadlock: while the call's progress is still, it
  samples every thread, and when all of them wait untimed on one another, using no
  CPU, over ``PROOF_WINDOW`` (:mod:`stress.trial.deadlock`), it reports at once;
* after the timeout (counted without the harness's own delays: the workload's
  ``injected`` seconds are added to it, so a call slowed by the harness is never
  suspected for that), a confirmed suspicion: it keeps looking while stage calls or
  results advance or a thread of the call is running (``/proc``), and reports after a
  quiet spell, or ``CONFIRM_MAX`` more at most; a trial still advancing then is an
  *unconfirmed* HANG (the search runs it again, see :mod:`stress.search.engine`);
* a call whose threads were mostly runnable during the look yet got less than
  ``STARVED_SHARE`` of one CPU was *starved*: its threads waited for a CPU the machine
  gave to others (a loaded runner; on a free-threaded build, thread starts and lock
  hand-offs slow down some 35 times beside two busy processes).  A livelock spins on
  the CPU it gets; a starved call is no evidence of a hang, and the search counts it a
  slow pass without running it again.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
from typing import Protocol

from stress.trial.deadlock import DeadlockProof, snapshot, task_stats

#: Longest look past the trial timeout before a hang is reported anyway.
CONFIRM_MAX = 5.0
#: Before the timeout: how often the watchdog looks, and for how long (and how many
#: looks) every thread must be seen waiting untimed before a deadlock is proven.
PROOF_TICK = 0.05
PROOF_WINDOW = 0.2
PROOF_SAMPLES = 4
#: Below this share of one CPU over the look, a mostly runnable call was starved (a
#: spinning livelock beside 20 busy processes on two cores still gets 0.09; a 3.14t
#: call starting threads beside two got 0.02).
STARVED_SHARE = 0.05


class _Stalling(Protocol):
    stalling: list[int]
    injected: list[float]  # seconds of delay the harness has added to the call so far


class WatchedTrial(Protocol):
    """What the watchdog needs of a trial: its progress, and a way to report HANG."""

    @property
    def workload(self) -> _Stalling: ...

    def progress(self) -> int: ...

    def report_hang(
        self,
        *,
        waited: float,
        still_advancing: bool,
        confirmed: bool,
        watchdog: int,
        proven: bool = False,
        moved: bool = True,
        running: bool = True,
        starved: bool = False,
    ) -> None: ...


def _any_runnable(exclude_native: int) -> bool:
    """Whether some thread other than the watchdog is runnable, from ``/proc``."""
    stats = task_stats(exclude_native)
    return stats is not None and any(fields[0] == b"R" for fields in stats)


def _call_cpu(exclude_native: int) -> float | None:
    """CPU seconds the process has used, the watchdog's own aside (threads that ended
    included); ``None`` when ``/proc`` cannot be read."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            process = stat.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/self/task/{exclude_native}/stat", "rb") as stat:
            own = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(process[11]) + int(process[12]) - int(own[11]) - int(own[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _threads(pid: int) -> dict[str, tuple[bool, int]] | None:
    """Each thread of ``pid``: (runnable now, ns it has run on a CPU), from ``/proc``."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    threads = {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as stat:
                state = stat.read().rsplit(b")", 1)[1].split()[0]
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as schedstat:
                ran = int(schedstat.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        threads[tid] = (state == b"R", ran)
    return threads


def waited_for_cpu(pid: int, window: float, share: float = STARVED_SHARE) -> bool:
    """Whether process ``pid``, watched for ``window`` seconds, had a runnable thread in
    most looks yet ran under ``share`` of one CPU: starved by the machine's other
    processes (a wedged process runs; a deadlocked one sleeps)."""
    looks = [_threads(pid)]
    end = time.monotonic() + window
    while time.monotonic() < end:
        time.sleep(window / 10)  # noqa: TID251 -- the look itself, bounded
        looks.append(_threads(pid))
    seen = [look for look in looks if look]
    if len(seen) < len(looks):
        return False  # no /proc, or the process is gone
    first, last = seen[0], seen[-1]
    ran = sum(last[t][1] - first[t][1] for t in first.keys() & last.keys()) / 1e9
    runnable = sum(any(r for r, _ in look.values()) for look in seen)
    return runnable > len(seen) / 2 and ran < share * window


def _cpu_share(before: float | None, after: float | None, seconds: float) -> bool:
    """Whether the call used less than ``STARVED_SHARE`` of one CPU in ``seconds``."""
    return before is not None and after is not None and after - before < STARVED_SHARE * seconds


class Watchdog:
    """Declares HANG when the call outlives the trial timeout and stops advancing.

    It runs on a bare ``_thread`` thread, invisible to ``threading.enumerate()`` and
    ``active_count()``: a target that joins every thread it sees, or waits for the
    thread count to drop, must not meet the harness's own thread.
    """

    def __init__(self, trial: WatchedTrial, timeout: float) -> None:
        self.trial, self.timeout = trial, timeout
        self.finished = threading.Event()
        self.started = time.monotonic()  # reset when the watch begins

    def start(self) -> int:
        """Start watching; the watchdog thread's ident."""
        return _thread.start_new_thread(self.run, ())

    def run(self) -> None:
        if self._until_timeout():
            return
        trial = self.trial
        quiet_needed = min(max(1.0, 0.5 * self.timeout), CONFIRM_MAX)
        start = time.monotonic()
        last, quiet, advancing = trial.progress(), 0.0, False
        samples: list[bool] = []  # was a thread of the call runnable, per quiet tick
        me = threading.get_native_id()
        cpu_before, ticks, runnable_ticks = _call_cpu(me), 0, 0
        starved = False
        while True:
            tick = time.monotonic()
            if self.finished.wait(0.05):
                return
            now = time.monotonic()
            current, runnable = trial.progress(), _any_runnable(me)
            ticks, runnable_ticks = ticks + 1, runnable_ticks + runnable
            if current != last or trial.workload.stalling[0]:  # a stall is the harness's
                last, quiet, advancing, samples = current, 0.0, True, []
            else:
                quiet += min(now - tick, 0.1)  # a starved watchdog earns little quiet
                samples.append(runnable)
            # Mostly runnable without progress: starved by a loaded machine, or spinning.
            # Give it until the cap; a thread that only wakes to poll is not "running".
            busy = len(samples) > 0 and sum(samples) > len(samples) / 2
            if quiet >= quiet_needed and not busy:
                break
            # Mostly runnable over the look, yet given hardly any CPU: starved.
            starved = now - start >= quiet_needed and runnable_ticks > ticks / 2
            starved = starved and _cpu_share(cpu_before, _call_cpu(me), now - start)
            if starved or now - start >= CONFIRM_MAX:
                break
        confirmed = quiet >= quiet_needed and not busy
        trial.report_hang(
            waited=time.monotonic() - self.started,
            still_advancing=advancing or busy,
            confirmed=confirmed,
            watchdog=threading.get_ident(),
            moved=advancing,
            running=busy,
            starved=starved,
        )

    def _until_timeout(self) -> bool:
        """Wait for the call until the timeout (True if it ended); report a proven deadlock.

        While the call's progress is still, every tick samples the threads
        (:mod:`stress.trial.deadlock`); a moving progress counter or a stall costs nothing.
        """
        trial, started = self.trial, time.monotonic()
        self.started = started
        injected = trial.workload.injected
        proof = DeadlockProof(PROOF_WINDOW, PROOF_SAMPLES)
        me, native = threading.get_ident(), threading.get_native_id()
        last, moved = trial.progress(), started
        while (left := started + self.timeout + injected[0] - time.monotonic()) > 0:
            if self.finished.wait(min(PROOF_TICK, left)):
                return True
            now, current = time.monotonic(), trial.progress()
            if current != last or trial.workload.stalling[0]:
                last, moved = current, now
                proof.add(now, current, None)
            elif now - moved >= 2 * PROOF_TICK and proof.add(now, current, snapshot(me, native)):
                trial.report_hang(
                    waited=now - started,
                    still_advancing=False,
                    confirmed=True,
                    watchdog=me,
                    proven=True,
                )
        return False
