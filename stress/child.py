"""One trial, run inside its own forked child process (see :mod:`stress.runner`).

Invariants:

* The child reports through one pipe, one JSON message per line: ``ready`` once the
  target is imported, then exactly one of ``verdict``, ``usage`` or ``internal``.
  Whoever claims :class:`_Reporter` first (the main thread when the call ends, or the
  watchdog on a confirmed hang) writes the final message; the process then ends with
  ``os._exit``, so neither non-daemon threads nor ``concurrent.futures``'s exit hook
  can keep it alive.
* Threads alive before the call (the watchdog, import-time executors) are exempt from
  the leak check; everything the harness held of the call (the iterator, the raised
  exception's traceback and frames, the injected faults' tracebacks) is dropped and
  collected *before* live threads are counted, so an executor the target left to the
  garbage collector may wind down as it would in the caller.
* HANG is confirmed before it is reported: after ``trial_timeout`` the watchdog keeps
  looking while stage calls or results advance or a thread of the call is running
  (``/proc``), and reports only after a quiet spell, or 5 s more at most.
"""

from __future__ import annotations

import _thread
import faulthandler
import gc
import io
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from stress import power
from stress.config import TrialConfig
from stress.errors import Unsupported, UsageError, find_fault, walk_exception
from stress.oracle import Observation, Verdict, classify
from stress.preempt import Preempter
from stress.targets import TargetSpec
from stress.waits import dump_threads
from stress.workload import Workload

#: The contract's grace: threads started during the call must be gone this long after.
GRACE = 1.0
#: Longest look past the trial timeout before a hang is reported anyway.
CONFIRM_MAX = 5.0
#: Extra look at threads still alive at the grace, to spare a thread caught exiting.
LEAK_RECHECK = 0.5


class _Reporter:
    """Writes the final message once; a second claimant blocks until the process ends."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, default=repr) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def claim(self) -> None:
        """Only the first caller returns; the other waits for ``os._exit``."""
        if not self._lock.acquire(blocking=False):
            self._lock.acquire()  # never released: the claimant ends the process


def _thread_states(exclude: int) -> tuple[bool, int]:
    """(some thread other than ``exclude`` is runnable, number of threads) from /proc."""
    running, count = False, 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return False, 0
    for tid in tids:
        if int(tid) == exclude:
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as stat:
                state = stat.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        count += 1
        running = running or state == b"R"
    return running, count


class _Watchdog:
    """Declares HANG when the call outlives the trial timeout and stops advancing.

    It runs on a bare ``_thread`` thread, invisible to ``threading.enumerate()`` and
    ``active_count()``: a target that joins every thread it sees, or waits for the
    thread count to drop, must not meet the harness's own thread.
    """

    def __init__(self, trial: _Trial, timeout: float) -> None:
        self.trial, self.timeout = trial, timeout
        self.finished = threading.Event()

    def start(self) -> int:
        """Start watching; the watchdog thread's ident."""
        return _thread.start_new_thread(self.run, ())

    def run(self) -> None:
        if self.finished.wait(self.timeout):
            return
        trial = self.trial
        quiet_needed = min(max(1.0, 0.5 * self.timeout), CONFIRM_MAX)
        start = time.monotonic()
        last, quiet, advancing = trial.progress(), 0.0, False
        samples: list[bool] = []  # was a thread of the call runnable, per quiet tick
        me = threading.get_native_id()
        while True:
            tick = time.monotonic()
            if self.finished.wait(0.05):
                return
            now = time.monotonic()
            current = trial.progress()
            if current != last:
                last, quiet, advancing, samples = current, 0.0, True, []
            else:
                quiet += min(now - tick, 0.1)  # a starved watchdog earns little quiet
                samples.append(_thread_states(me)[0])
            # Mostly runnable without progress: starved by a loaded machine, or spinning.
            # Give it until the cap; a thread that only wakes to poll is not "running".
            busy = len(samples) > 0 and sum(samples) > len(samples) / 2
            if (quiet >= quiet_needed and not busy) or now - start >= CONFIRM_MAX:
                break
        trial.report_hang(
            waited=self.timeout + (time.monotonic() - start),
            still_advancing=advancing or busy,
            watchdog=threading.get_ident(),
        )


class _Trial:
    """State of the one trial this child runs."""

    def __init__(
        self, target: Callable[..., Any], config: TrialConfig, reporter: _Reporter
    ) -> None:
        self.target, self.config, self.reporter = target, config, reporter
        self.workload = Workload(config)
        self.preempter: Preempter | None = None  # the config's forced preemption, if any
        self.expected = self.workload.expected()
        self.intermediates = self._intermediates()
        self.results: list[Any] = []

    def _intermediates(self) -> list[list[Any]]:
        out, values = [], list(self.workload.items)
        for s in range(self.config.stages):
            values = [self.workload.apply(s, v) for v in values]
            out.append(values)
        return out

    def progress(self) -> int:
        return self.workload.progress[0] + len(self.results)

    def observation(self) -> Observation:
        return Observation(
            items=self.workload.items,
            expected=self.expected,
            intermediates=self.intermediates,
            results=self.results,
        )

    def progress_lines(self) -> list[str]:
        calls = ", ".join(f"stage {s}: {n}" for s, n in enumerate(self.workload.calls_started))
        return [
            f"stage calls started: {calls}",
            f"results read by the caller: {len(self.results)} of {len(self.expected)}",
            f"injected faults raised: {len(self.workload.tokens)}",
        ]

    def report_hang(self, *, waited: float, still_advancing: bool, watchdog: int) -> None:
        self.reporter.claim()
        obs = self.observation()
        obs.hung = True
        obs.fault_tokens = sorted(self.workload.tokens)
        why = (
            "threads were still running or stage calls still advancing (livelock, or far too slow)"
            if still_advancing
            else "no stage call or result advanced and no thread of the call was running"
        )
        obs.hang_lines = [
            f"no return after {waited:.1f} s; {why}",
            *self.progress_lines(),
            "threads:",
            *dump_threads(exclude={watchdog}),
        ]
        self._finish(classify(obs), duration=waited)

    def _finish(self, verdict: Verdict, *, duration: float) -> NoReturn:
        counts = dict(verdict.counts)
        counts["faults"] = len(self.workload.tokens)
        counts.update(self.preempter.stats() if self.preempter else {})
        self.reporter.send(
            {
                "kind": "verdict",
                "category": verdict.category,
                "summary": verdict.summary,
                "details": verdict.details,
                "counts": counts,
                "duration": duration,
            }
        )
        os._exit(0)

    def run(self, trial_timeout: float) -> NoReturn:
        before = set(threading.enumerate())
        watchdog = _Watchdog(self, trial_timeout)
        before_idents = {watchdog.start(), *sys._current_frames()}
        obs = self.observation()
        started = time.monotonic()
        error = self._call(obs)
        ended = time.monotonic()
        watchdog.finished.set()
        self.reporter.claim()
        obs.fault_tokens = sorted(self.workload.tokens)
        if isinstance(error, Unsupported) or (
            error is not None and any(isinstance(e, Unsupported) for e, _ in walk_exception(error))
        ):
            self.reporter.send({"kind": "verdict", "skipped": True, "summary": str(error)})
            os._exit(0)
        if error is not None:
            obs.fault_match = find_fault(
                error, self.workload.tokens, {id(f) for f in self.workload.faults}
            )
            _drop_tracebacks(error)
        _drop_tracebacks(*self.workload.faults)
        del error
        gc.collect()
        obs.leaked, obs.leak_stacks = _leaked_threads(before, before_idents, ended + GRACE)
        self._finish(classify(obs), duration=ended - started)

    def _call(self, obs: Observation) -> BaseException | None:
        """Call, iterate to exhaustion, ``close()``; the raised exception, if any."""
        items = list(self.workload.items)
        stages = list(self.workload.stages)
        workers = list(self.config.workers)
        self.preempter = power.start(self.config)  # inside the target's code only
        try:
            out = self.target(items, stages, workers)
            if out is None:
                obs.returned_none = True
            else:
                limit = 2 * len(self.expected) + 100
                for value in out:
                    self.results.append(value)
                    if len(self.results) > limit:  # endless: the verdict is clear already
                        obs.overflowed = True
                        break
                close = getattr(out, "close", None)
                if callable(close):
                    close()
            del out
        except BaseException as error:  # SystemExit and GeneratorExit count as raising
            obs.error_type = f"{type(error).__module__}.{type(error).__qualname__}"
            obs.error_text = "".join(traceback.format_exception(error)).rstrip()
            return error
        finally:
            power.stop(self.preempter)
        obs.returned = True
        return None


def _drop_tracebacks(*errors: BaseException) -> None:
    """Clear the frames a raised exception keeps alive (locals such as executors)."""
    for error in errors:
        for inner, _ in walk_exception(error):
            if inner.__traceback__ is not None:
                traceback.clear_frames(inner.__traceback__)
                inner.__traceback__ = None


def _leaked_threads(
    before: set[threading.Thread], before_idents: set[int], deadline: float
) -> tuple[list[str], list[str]]:
    """Threads started during the call and still alive at ``deadline`` (+ a recheck)."""
    new = [t for t in threading.enumerate() if t not in before]
    for thread in new:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in new if t.is_alive()]
    known = {t.ident for t in threading.enumerate()}
    raw = [i for i in sys._current_frames() if i not in before_idents and i not in known]
    if alive or raw:
        recheck = time.monotonic() + LEAK_RECHECK
        for thread in alive:
            thread.join(max(0.0, recheck - time.monotonic()))
        alive = [t for t in alive if t.is_alive()]
        time.sleep(max(0.0, recheck - time.monotonic()))  # noqa: TID251 -- bounded grace
        raw = [i for i in sys._current_frames() if i not in before_idents and i not in known]
    if not alive and not raw:
        return [], []
    labels = [f"{t.name!r} ({'daemon' if t.daemon else 'non-daemon'})" for t in alive] + [
        f"thread ident {i:#x} (not a threading.Thread)" for i in raw
    ]
    exclude = {t.ident for t in before if t.ident is not None} | before_idents
    return labels, ["threads still alive:", *dump_threads(exclude=exclude)]


def _fresh_stdio() -> None:
    """New stdio objects on fds 1 and 2: the parent's may hold a lock forked mid-write."""
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )


def main(spec: TargetSpec, config: TrialConfig, trial_timeout: float, fd: int) -> NoReturn:
    """The child's whole life: import, announce, run the trial, report, ``os._exit``."""
    reporter = _Reporter(fd)
    try:
        _fresh_stdio()
        try:
            target = spec.resolve()
        except UsageError as error:
            reporter.send({"kind": "usage", "message": str(error)})
            os._exit(0)
        reporter.send({"kind": "ready"})
        # Backstop for a child that holds the GIL: the parent sends SIGABRT before it kills,
        # and faulthandler (C code, no GIL needed) writes every stack to the capture.
        # Not dump_traceback_later: cancelling a timer armed in the parent (pytest arms
        # one) waits forever in a forked child for a watchdog thread that is not there.
        faulthandler.enable(file=sys.stderr, all_threads=True)
        sys.setswitchinterval(config.switch_interval)
        _Trial(target, config, reporter).run(trial_timeout)
    except BaseException as error:  # the harness's own failure: say so, exit 3 upstream
        try:
            reporter.send(
                {
                    "kind": "internal",
                    "message": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
            )
        finally:
            os._exit(0)
