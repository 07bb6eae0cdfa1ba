"""One trial, run inside its own forked child process (see :mod:`stress.trial.runner`).

Invariants:

* The child reports through one pipe, one JSON message per line: ``ready`` once the
  target is imported, then exactly one of ``verdict``, ``usage`` or ``internal``.
  Whoever claims :class:`_Reporter` first (the main thread when the call ends, or the
  watchdog on a confirmed hang) writes the final message; the process then ends with
  ``os._exit``, so neither non-daemon threads nor ``concurrent.futures``'s exit hook
  can keep it alive.
* Threads alive before the call (the watchdog, import-time executors) are exempt from
  the leak check, and so are the workers of a ``ThreadPoolExecutor`` that existed
  before the call (made at import, its threads started lazily in the call); one made
  during the call and left running is not exempt.  Everything the harness held of the
  call (the iterator, the raised exception's traceback and frames, the injected
  faults' tracebacks) is dropped and collected *before* live threads are counted, so
  an executor the target left to the garbage collector may wind down as it would in
  the caller.
* HANG comes from the watchdog (:mod:`stress.trial.watchdog`): a proven deadlock before the
  trial timeout, or a suspicion confirmed after it; a trial still advancing at the cap
  is reported as an *unconfirmed* HANG (see :mod:`stress.search.engine`).
"""

from __future__ import annotations

import faulthandler
import gc
import io
import json
import os
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import thread as futures_thread
from types import FrameType
from typing import Any, NoReturn

from stress.core.config import TrialConfig
from stress.core.errors import Unsupported, UsageError, find_fault, walk_exception
from stress.core.oracle import Observation, Verdict, classify
from stress.forms.protocol import FormTrial
from stress.forms.targets import TargetSpec
from stress.trial import preempt, pristine
from stress.trial.preempt import Preempter
from stress.trial.waits import dump_threads
from stress.trial.watchdog import PROOF_WINDOW, Watchdog

#: The contract's grace: threads started during the call must be gone this long after.
GRACE = 1.0
#: A stalled stage call (stress.core.config.STALL_SHARE) lasts at most this share of the timeout.
STALL_SHARE_OF_TIMEOUT = 0.7
#: Extra join at the grace, only for a thread caught exiting (its target has returned).
EXIT_JOIN = 0.05


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


class _Trial:
    """State of the one trial this child runs."""

    def __init__(
        self,
        target: Callable[..., Any],
        config: TrialConfig,
        reporter: _Reporter,
        form: FormTrial,
    ) -> None:
        self.target, self.config, self.reporter = target, config, reporter
        self.form = form  # the target form's side: items, stages, call, judgement
        self.workload = form.workload
        self.preempter: Preempter | None = None  # the config's forced preemption, if any
        self.expected = form.expected
        self.intermediates = form.intermediates
        self.results: list[Any] = []

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
    ) -> None:
        """HANG; ``confirmed=False``: still advancing at the cap (the search runs it again,
        or counts it a slow pass when ``starved``: its threads waited for a CPU).

        ``proven``: before the timeout, every thread was seen waiting untimed on another.
        ``moved`` / ``running``: during the watchdog's look, stage calls or results
        advanced / a thread of the call was mostly runnable; the reason names only what
        was seen, so it matches the dump.
        """
        self.reporter.claim()
        obs = self.observation()
        obs.hung = True
        obs.fault_tokens = sorted(self.workload.tokens)
        if proven:
            why = (
                f"a deadlock: for {PROOF_WINDOW:.1f} s every thread waited, with no timeout, "
                "on a lock, queue, condition, barrier or thread that only another of them "
                "could release, and none used CPU time (proven before the trial timeout)"
            )
        elif starved:
            why = (
                "the call's threads were runnable but the machine gave them almost no "
                "CPU time (starved by other processes: no evidence of a hang)"
            )
        elif still_advancing:
            seen = []
            if moved:
                seen.append("stage calls or results were still advancing")
            if running:
                seen.append("a thread of the call was still running on the CPU")
            why = " and ".join(seen or ["the call was still advancing"])
            why += " when the watchdog's look ended (a livelock, or far too slow)"
        else:
            why = "no stage call or result advanced and no thread of the call was running"
        obs.hang_lines = [
            f"no return after {waited:.1f} s; {why}",
            *self.progress_lines(),
            "threads:",
            *dump_threads(exclude={watchdog}),
        ]
        self._finish(
            self._classify(obs), duration=waited, unconfirmed=not confirmed, starved=starved
        )

    def _classify(self, obs: Observation) -> Verdict:
        return self.form.judge(classify(obs), obs)

    def _finish(
        self, verdict: Verdict, *, duration: float, unconfirmed: bool = False, starved: bool = False
    ) -> NoReturn:
        counts = dict(verdict.counts)
        counts["faults"] = len(self.workload.tokens)
        counts["harness_delay_ms"] = round(self.workload.injected[0] * 1000)
        counts.update(self.preempter.stats() if self.preempter else {})
        self.reporter.send(
            {
                "kind": "verdict",
                "category": verdict.category,
                "summary": verdict.summary,
                "details": verdict.details,
                "counts": counts,
                "duration": duration,
                "unconfirmed": unconfirmed and verdict.category == "HANG",
                "starved": starved and unconfirmed and verdict.category == "HANG",
            }
        )
        os._exit(0)

    def run(self, trial_timeout: float) -> NoReturn:
        before = set(threading.enumerate())
        self.workload.set_timeout(trial_timeout, STALL_SHARE_OF_TIMEOUT)
        earlier = _executors()
        watchdog = Watchdog(self, trial_timeout)
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
        obs.leaked, obs.leak_stacks = _leaked_threads(
            before, before_idents, ended + GRACE, _made_since(earlier)
        )
        self._finish(self._classify(obs), duration=ended - started)

    def _call(self, obs: Observation) -> BaseException | None:
        """:func:`call_and_read` under the config's preemption (``obs.results`` is
        ``self.results``: see :meth:`observation`)."""
        self.preempter = preempt.start(self.config)  # inside the target's code only
        try:
            return call_and_read(self.form, self.target, obs)
        finally:
            preempt.stop(self.preempter)


def call_and_read(
    form: FormTrial,
    target: Callable[..., Any],
    obs: Observation,
    *,
    reraise: tuple[type[BaseException], ...] = (),
) -> BaseException | None:
    """The caller's side of one call: call, iterate to exhaustion into ``obs.results``,
    ``close()``; what it raised (``reraise``: exceptions that are not the target's,
    passed on)."""
    try:
        out = form.call(target, obs)
        if out is None:
            obs.returned_none = True
        else:
            limit = 2 * len(obs.expected) + 100
            for value in out:
                obs.results.append(value)
                if len(obs.results) > limit:  # endless: the verdict is clear already
                    obs.overflowed = True
                    break
            close = getattr(out, "close", None)
            if callable(close):
                close()
        del out
    except reraise:
        raise
    except BaseException as error:  # SystemExit and GeneratorExit count as raising
        form.stop()
        obs.error_type = f"{type(error).__module__}.{type(error).__qualname__}"
        obs.error_text = "".join(traceback.format_exception(error)).rstrip()
        return error
    form.stop()
    obs.returned = True
    return None


def _drop_tracebacks(*errors: BaseException) -> None:
    """Clear the frames a raised exception keeps alive (locals such as executors)."""
    for error in errors:
        for inner, _ in walk_exception(error):
            if inner.__traceback__ is not None:
                traceback.clear_frames(inner.__traceback__)
                inner.__traceback__ = None


def _executors() -> dict[int, weakref.ref[ThreadPoolExecutor]]:
    """The executors this process's collector tracks now (a forked child's inherited
    objects are frozen, untracked: they existed before the call too)."""
    return {
        id(obj): weakref.ref(obj) for obj in gc.get_objects() if isinstance(obj, ThreadPoolExecutor)
    }


def _made_since(earlier: dict[int, weakref.ref[ThreadPoolExecutor]]) -> set[int]:
    """ids of the live executors that are not among ``earlier``: made during the call."""
    return {
        key
        for key, ref in _executors().items()
        if key not in earlier or earlier[key]() is not ref()
    }


def _earlier_pool_worker(thread: threading.Thread, made: set[int]) -> bool:
    """A worker of a live ``ThreadPoolExecutor`` not made during the call.

    Its workers run ``concurrent.futures.thread._worker`` with a weak reference to
    their executor as the first argument (3.11 to 3.13).
    """
    if getattr(thread, "_target", None) is not futures_thread._worker:
        return False
    args = getattr(thread, "_args", None) or ()
    ref = args[0] if args else None
    executor = ref() if isinstance(ref, weakref.ref) else None
    return isinstance(executor, ThreadPoolExecutor) and id(executor) not in made


def _leaked_threads(
    before: set[threading.Thread],
    before_idents: set[int],
    deadline: float,
    made: set[int],
) -> tuple[list[str], list[str]]:
    """Threads started during the call and still alive at ``deadline``.

    The rule is decided at ``deadline``: a thread still in its target then (running,
    blocked, idle in a pool) is a leak; only one whose target has returned, caught in
    the threading module's own exit, gets :data:`EXIT_JOIN` more.
    """
    kept = [t for t in threading.enumerate() if t not in before and _earlier_pool_worker(t, made)]
    new = [t for t in threading.enumerate() if t not in before and t not in kept]
    for thread in new:
        thread.join(max(0.0, deadline - time.monotonic()))
    known = {t.ident for t in threading.enumerate()}
    raw = [i for i in sys._current_frames() if i not in before_idents and i not in known]
    if raw:  # not threading.Thread objects: nothing to join, look again at the grace
        time.sleep(max(0.0, deadline - time.monotonic()))  # noqa: TID251 -- bounded grace
        raw = [i for i in sys._current_frames() if i not in before_idents and i not in known]
    alive = [t for t in new if t.is_alive()]
    if alive:
        frames = sys._current_frames()
        exiting = [t for t in alive if t.ident is None or _exiting(frames.get(t.ident))]
        del frames
        end = time.monotonic() + EXIT_JOIN
        for thread in exiting:
            thread.join(max(0.0, end - time.monotonic()))
        alive = [t for t in alive if t.is_alive()]
    if not alive and not raw:
        return [], []
    labels = [f"{t.name!r} ({'daemon' if t.daemon else 'non-daemon'})" for t in alive] + [
        f"thread ident {i:#x} (not a threading.Thread)" for i in raw
    ]
    exclude = {t.ident for t in [*before, *kept] if t.ident is not None} | before_idents
    return labels, ["threads still alive:", *dump_threads(exclude=exclude)]


def _exiting(frame: FrameType | None) -> bool:
    """True when a thread's stack is only ``threading``'s bootstrap: its target returned.

    Every frame is in ``threading.py`` and ``run`` (if still there) is the innermost one,
    so a target that is itself a ``threading`` wait (``Event.wait``) does not count.
    """
    innermost = True
    while frame is not None:
        if frame.f_code.co_filename != threading.__file__:
            return False
        if frame.f_code.co_name == "run" and not innermost:
            return False
        innermost = False
        frame = frame.f_back
    return True


def _fresh_stdio() -> None:
    """New stdio objects on fds 0, 1 and 2: the parent's may hold a lock forked mid-write,
    or be a test runner's stand-in (pytest's stdin raises on read); fd 0 is /dev/null."""
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
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
        pristine.restore()  # as the target runs without the harness
        spec.form.before_import(config)
        try:
            target = spec.resolve()
            form = spec.form.open_trial(config, target)
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
        _Trial(target, config, reporter, form).run(trial_timeout)
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
