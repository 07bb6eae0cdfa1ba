"""The deterministic mode's trial: the target's threads under the controlled scheduler.

A trial of ``--mode scheduled`` forks a child like a real-threads trial
(:class:`~stress.trial.runner.TrialProcess`, the same pipe protocol and deadlines)
whose life is :func:`main`: the stand-ins of :mod:`stress.scheduled` are installed
*before* the target is imported, then the trial's configuration is run under up to
:data:`SCHEDULES_PER_TRIAL` schedules, schedule ``j`` drawn from
``(seed, k * SCHEDULES_PER_TRIAL + j)`` (random walk or PCT of depth 1 to 3), each on
fresh items, stages and results, until one shows a defect.  Sleeps, timeouts and the
harness's own timing noise advance a virtual clock, so a schedule costs CPU only.

Invariants:

* The verdict is the core oracle's (:func:`stress.core.oracle.classify`) and the
  form's, as for real threads; a deadlock is a HANG at once, its details the wait-for
  table and the cycle; a run without end in virtual time is a HANG too.
* A defect is reported with its schedule's decisions; :class:`ScheduledTrial` then
  replays those decisions once in a fresh child (no earlier schedule's module state)
  and reports the defect only if the replay shows the same category on the identical
  trace: "replay: exact".  A defect the fresh replay does not show is dropped (a false
  alarm costs more than a miss) and the trial counts as passed.
* A defect's configuration is shrunk in the child that found it (a batch of schedules
  a simpler candidate, :func:`stress.core.simpler.candidates`), for at most
  :data:`SHRINK_CONFIG_SHARE` of the trial timeout; what is sent, and replayed fresh,
  is the schedule of the configuration reached, with how far the shrink got
  (``shrunk``: the search's shrink goes on when it did not finish).  No schedule of a
  trial runs past the trial timeout + :data:`REAL_TIME_EXTRA` from its first.
* Nothing is concluded from a run the scheduler did not control (a thread blocked on
  a pipe or a lock made before the stand-ins, a thread it did not start, an executor
  or thread the target made at import): the record says ``uncontrolled`` with why,
  and the search falls back to real threads (:mod:`stress.search.engine`).
* A replay (a config with ``decisions``) runs exactly that schedule once; another
  interpreter build or another source of the target is a usage error, one line.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import functools
import gc
import hashlib
import inspect
import os
import random
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
from typing import Any, NoReturn

from stress.core.config import SCHEDULING_POINTS, SearchOptions, TrialConfig
from stress.core.errors import Unsupported, UsageError, find_fault, walk_exception
from stress.core.oracle import Observation, classify
from stress.core.record import TrialRecord
from stress.core.simpler import candidates, config_key, small_first
from stress.core.version import interpreter_label
from stress.forms.protocol import FormTrial
from stress.forms.targets import TargetSpec
from stress.scheduled import _real, one_cpu, run_controlled, standins
from stress.scheduled.preemptions import Counted, Tried, fewest_preemptions
from stress.scheduled.run import ControlledOutcome
from stress.scheduled.scheduler import (
    COMPLETED,
    DEADLOCK,
    STEP_LIMIT,
    VIRTUAL_TIMEOUT,
    RunAborted,
)
from stress.scheduled.scheduler import Strategy as Chooser
from stress.scheduled.strategies import Replay, Strategy, draw
from stress.trial import child, pristine
from stress.trial.runner import TrialProcess
from stress.trial.sched_points import LinePoints

#: Schedules one trial's child runs (fewer when its real-time share is spent).
SCHEDULES_PER_TRIAL = 50
#: A search's child stops starting schedules after this share of the trial timeout
#: (real time).  A shrink's candidate does not (``whole_batch``): its verdict must be a
#: function of its configuration, not of how loaded the machine is.
BATCH_SHARE = 0.5
#: Pools a module may make at import, whose threads outlive a call by design.
_LONG_LIVED = (ThreadPoolExecutor, ThreadPool)
#: Shares of schedules by where they may switch (stress.core.config.SCHEDULING_POINTS):
#: synchronisation points only, also at the target's lines, also between its bytecodes.
POINT_SHARES = {"sync": 0.4, "lines": 0.35, "ops": 0.25}
_WHERE = {
    "sync": "synchronisation points",
    "lines": "synchronisation points and the target's lines",
    "ops": "synchronisation points and the target's bytecodes",
}


def _points(rng: random.Random) -> str:
    roll = rng.random()
    for points, share in POINT_SHARES.items():
        roll -= share
        if roll < 0:
            return points
    return "sync"


#: A found defect's configuration is shrunk in the child for at most this share of the
#: trial timeout (real time): a batch per candidate, where a fork per candidate cost
#: two children (its batch and its fresh replay).  At 0.5 a lock-order deadlock's
#: shrink ran out and went on a fork a candidate (4.1 s to the report, 1.9 s at 1.0).
SHRINK_CONFIG_SHARE = 1.0
#: Schedules of a candidate's batch at least (see :meth:`_Trial.shrink_config`).  Its
#: schedules are drawn like the find's, so most candidates that fail do so at once; at
#: 8, the candidates that cannot fail (one worker, one stage) took most of a tutorial
#: race's shrink: barrier_as_published's report in about 0.3 s, 0.2 s at 4 (12 seeds),
#: configurations and preemptions the same.
SHRINK_SCHEDULES = 4
#: Runs at most spent looking for a found schedule with fewer preemptions: its leading
#: ones and bounded draws, then delta debugging when more than 3 are left (a lost
#: update found by a random walk at bytecode points had been reported with hundreds).
MAX_SHRINK_RUNS = 60
MAX_CUT_RUNS = 60
#: ... and at most this share of the trial timeout of real time (0.3 s by default).
SHRINK_SHARE = 0.15
#: Steps of one schedule at most; the real-time limit (the trial timeout + 4 s) bounds
#: it first on a slow build.  A big configuration (hundreds of items, bytecode points)
#: takes over 200,000 steps: a lower limit made it inconclusive.
MAX_STEPS = 2_000_000
#: A trial's schedules, its search's and its shrinks', end (inconclusive) when the trial
#: timeout + this much real time has passed since its first began (inside the parent's
#: kill deadline, ready + timeout + 7.5 s): a 167-step schedule took 2 s on a 3.14t
#: whose two cores were busy elsewhere, so the first may take all of it.
REAL_TIME_EXTRA = 4.0
#: No step for this long (real seconds): the running thread is outside the scheduler.
STALL_SECONDS = 1.0
#: A scheduled search's first trials (k below this: one per job) are drawn in the small
#: scope (stress.core.simpler.small_first).  Measured in process (``bench modes``'
#: time to the report, seeds 0-9): single_pool median 0.26 -> 0.15 s (max 0.84 ->
#: 0.34), barrier_as_published 0.65 -> 0.38 s, race_lock_order 0.58 -> 0.38 s.
SMALL_FIRST = 2


def interpreter_tag() -> str:
    """What a replay must run on to meet the same decisions (version, build, GIL)."""
    return interpreter_label()


def source_hash(target: Callable[..., Any]) -> str:
    """A short hash of the file the target is defined in ("" when there is none)."""
    obj: Any = inspect.unwrap(target)
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        obj = type(obj)  # a callable instance: its class's file
    try:
        path = inspect.getsourcefile(obj)
        if path is None:
            return ""
        with open(path, "rb") as source:
            return hashlib.sha256(source.read()).hexdigest()[:16]
    except (OSError, TypeError):
        return ""


@dataclasses.dataclass
class _Schedule:
    """One schedule's run and what the oracle made of it."""

    outcome: ControlledOutcome
    message: dict[str, Any] | None  # the verdict message; None when uncontrolled
    at: list[int]  # the decisions that preempted (stress.scheduled.preemptions.Counted)
    points: str  # where it could switch: sync, lines or ops (stress.trial.sched_points)
    deciders: list[int] = dataclasses.field(default_factory=list)  # who took each decision


@dataclasses.dataclass
class _Find:
    """A schedule of a batch that showed a defect."""

    done: _Schedule
    message: dict[str, Any]  # its verdict message (category set)
    strategy: Strategy
    schedules: int  # schedules of its batch run, this one included
    j: int  # its place in the batch: schedule j of the config is drawn from (seed, k, j)


@dataclasses.dataclass
class _Shrunk:
    """What :meth:`_Trial.shrink_config` did: the simplifications kept, batches run."""

    steps: list[str] = dataclasses.field(default_factory=list)
    runs: int = 0
    finished: bool = False  # no candidate of the last configuration failed


class _Trial:
    """The child's side: one config, many schedules."""

    def __init__(
        self,
        spec: TargetSpec,
        config: TrialConfig,
        target: Callable[..., Any],
        timeout: float,
        first: FormTrial,
        *,
        whole_batch: bool = False,
    ) -> None:
        self.spec, self.target, self.timeout = spec, target, timeout
        self.whole_batch = whole_batch  # a shrink's candidate (BATCH_SHARE)
        self.unused: list[FormTrial] = [first]  # opened by main(), for the first schedule
        self.config = config
        self.virtual_limit = max(30.0, 10 * timeout)
        self.ends = _real.monotonic() + timeout + REAL_TIME_EXTRA  # (REAL_TIME_EXTRA)

    def run_one(
        self, strategy: Chooser, *, points: str, real_limit: float | None = None
    ) -> _Schedule:
        """One schedule; ``points``: where it may switch (``SCHEDULING_POINTS``);
        ``real_limit``: seconds it may take before it ends inconclusive (at most what
        is left of the trial's real time, ``self.ends``)."""
        form = self.unused.pop() if self.unused else self._open()
        form.workload.set_timeout(self.timeout, child.STALL_SHARE_OF_TIMEOUT)
        obs = Observation(
            items=form.workload.items, expected=form.expected, intermediates=form.intermediates
        )
        counting = Counted(strategy)
        tracer = None if points == "sync" else LinePoints(opcodes=points == "ops")
        if tracer is not None:
            tracer.start()
        try:
            outcome = self._run(form, obs, counting, real_limit)
        finally:
            if tracer is not None:
                tracer.stop()
        message = _judge(form, obs, outcome)
        return _Schedule(outcome, message, counting.at, points, counting.deciders)

    def _open(self) -> FormTrial:
        return self.spec.form.open_trial(self.config, self.target)

    def _run(
        self, form: FormTrial, obs: Observation, counting: Counted, real_limit: float | None
    ) -> ControlledOutcome:
        limit = self.ends - _real.monotonic()  # inside the kill deadline
        if real_limit is not None:
            limit = min(limit, real_limit)
        limit = max(limit, 0.01)
        return run_controlled(
            lambda: child.call_and_read(form, self.target, obs, reraise=(RunAborted,)),
            counting,
            stall_seconds=STALL_SECONDS,
            max_real_seconds=limit,
            max_steps=MAX_STEPS,
            max_virtual_seconds=self.virtual_limit,
            leak_grace=child.GRACE,
            trace=False,
            reuse_os_threads=_gil_enabled(),  # workers forget earlier lives (scheduled._fresh)
        )

    def search(self) -> dict[str, Any]:
        """Schedules until a defect, the batch's end or its real-time share; a defect's
        configuration is then shrunk here (:meth:`shrink_config`), its schedule to its
        fewest preemptions (:meth:`fewest`), and it is sent with the decisions."""
        # Time kept back for the fewest preemptions (their whole share: a loaded 3.14t
        # once spent it all in the configuration's shrink and reported 14) and the message.
        before_fewest = self.ends - REAL_TIME_EXTRA / 2 - SHRINK_SHARE * self.timeout
        if self.whole_batch:  # a shrink's candidate: only that time is kept back
            until = before_fewest
        else:
            until = _real.monotonic() + BATCH_SHARE * self.timeout
        batch = self.batch(until=until)
        if not isinstance(batch, _Find):
            return batch
        shrunk = None
        if self.spec.form.reopens:
            until = min(_real.monotonic() + SHRINK_CONFIG_SHARE * self.timeout, before_fewest)
            batch, shrunk = self.shrink_config(batch, until=until)
        fewest = self.fewest(batch.done)
        message = _found(
            fewest.message or batch.message,
            fewest,
            self.target,
            schedules=batch.schedules,
            strategy=batch.strategy,
            originally=len(batch.done.at),
        )
        if shrunk is not None:
            message["shrunk"] = {
                "config": self.config.to_json(),
                "steps": shrunk.steps,
                "runs": shrunk.runs,
                "finished": shrunk.finished,
            }
        return message

    def batch(
        self,
        *,
        until: float,
        cut: bool = False,
        order: Sequence[int] | None = None,
        like: _Find | None = None,
    ) -> _Find | dict[str, Any]:
        """Schedule ``j`` of this config drawn from ``(seed, k * SCHEDULES_PER_TRIAL + j)``
        until one shows a defect (a :class:`_Find`), the batch's end or ``until``; else
        the verdict message of the last schedule.

        A schedule that reached the step or real-time limit (threads that step without
        end: a livelock, or a busy poll the strategy starves) proves nothing and is
        skipped; a batch with no schedule that ended is inconclusive (uncontrolled).
        ``cut``: a schedule still running at ``until`` ends there (a shrink's batches);
        else the search's last schedule may run to its full real-time limit.  ``order``:
        the ``j`` to run, in order (default: all of them, 0 first).  ``like``: a find
        whose points and strategy kind every schedule takes (a shrink's candidates: the
        window the find met is met again sooner where the schedules look for it the
        same way; a lost update seen only by random walks at bytecode points took 40
        schedules a candidate drawn from the whole portfolio, and most missed it)."""
        steps = dict.fromkeys(SCHEDULING_POINTS, 100)  # PCT's estimate of its choices
        message: dict[str, Any] | None = None
        unended = 0
        order = range(SCHEDULES_PER_TRIAL) if order is None else order
        for run, j in enumerate(order, 1):
            index = self.config.k * SCHEDULES_PER_TRIAL + j
            if like is None:
                points, kind = _points(random.Random(f"{self.config.seed}:{index}:points")), None
            else:
                points, kind = like.done.points, like.strategy
            strategy = draw(self.config.seed, index, steps=steps[points], like=kind)
            limit = until - _real.monotonic() if cut else None
            done = self.run_one(strategy, points=points, real_limit=limit)
            if done.message is None:
                if done.outcome.status != STEP_LIMIT or done.outcome.abandoned:
                    return _uncontrolled(done.outcome)
                unended += 1  # no verdict from it, and no estimate of PCT's length
                if _real.monotonic() >= until or not self.spec.form.reopens:
                    break
                continue
            steps[points] = max(steps[points], len(done.outcome.decisions))
            message = done.message
            if message.get("skipped"):
                return message
            if message.get("category") is not None:
                return _Find(done, message, strategy, schedules=run, j=j)
            if _real.monotonic() >= until or done.outcome.abandoned or not self.spec.form.reopens:
                break  # (a form that cannot reopen runs one schedule per child)
        if message is None:  # every schedule stepped without end
            return _uncontrolled(done.outcome)
        message["counts"].update(schedules=run - unended, unended=unended)
        return message

    def shrink_config(self, found: _Find, *, until: float) -> tuple[_Find, _Shrunk]:
        """The simplest configuration (:func:`stress.core.simpler.candidates`, greedy,
        as the search's shrink) whose batch shows ``found``'s category, tried here, one
        batch per candidate, until ``until``; ``self.config`` becomes it.  Its schedule
        is replayed in a fresh child before it is reported (:class:`ScheduledTrial`)."""
        category = found.message.get("category")
        # The found schedule's draw first: a simpler config often fails under it again
        # (most candidates that fail do so at once); a candidate that does not fail
        # costs at most twice the schedules the find took, and no fewer than a few.
        cap = min(SCHEDULES_PER_TRIAL, max(SHRINK_SCHEDULES, 2 * found.schedules))
        order = [found.j, *(j for j in range(cap) if j != found.j)]
        shrunk = _Shrunk()
        tried = {config_key(self.config)}
        shape = self.spec.form.shrinks_shape
        progress = True
        while progress:
            progress = False
            for step, candidate in candidates(self.config, shape=shape, category=category):
                if candidate is None or config_key(candidate) in tried:
                    continue
                if _real.monotonic() >= until:
                    return found, shrunk  # not finished: the search's shrink goes on
                tried.add(config_key(candidate))
                kept, kept_unused = self.config, self.unused
                self.config, self.unused = candidate, []
                shrunk.runs += 1
                try:
                    batch = self.batch(until=until, cut=True, order=order, like=found)
                except UsageError:  # this candidate is no trial the target can run
                    batch = {}
                if isinstance(batch, _Find) and batch.message.get("category") == category:
                    found = batch
                    shrunk.steps.append(step)
                    progress = True
                    break
                self.config, self.unused = kept, kept_unused
                if _real.monotonic() >= until:
                    return found, shrunk  # its batch was cut: not a tried candidate
        shrunk.finished = True
        return found, shrunk

    def fewest(self, found: _Schedule) -> _Schedule:
        """A schedule with fewer of ``found``'s preemptions that still shows its
        category (each candidate run; see stress.scheduled.preemptions), or ``found``."""
        if not found.at or not self.spec.form.reopens or found.message is None:
            return found
        category = found.message.get("category")
        shown: list[_Schedule] = []
        until = min(_real.monotonic() + SHRINK_SHARE * self.timeout, self.ends)

        def run(candidate: Chooser) -> Tried:
            if _real.monotonic() >= until:
                return Tried(False)  # out of time: not tried, counted as passing
            done = self.run_one(
                candidate, points=found.points, real_limit=until - _real.monotonic()
            )
            fails = done.message is not None and done.message.get("category") == category
            if fails:
                shown.append(done)
            return Tried(fails, done.outcome.decisions, done.at, done.deciders)

        first = Tried(True, found.outcome.decisions, found.at, found.deciders)
        best = fewest_preemptions(first, run, max_runs=MAX_SHRINK_RUNS, cut_runs=MAX_CUT_RUNS)
        if best is None:
            return found
        return next(s for s in reversed(shown) if s.outcome.decisions == best.decisions)

    def replay(self) -> dict[str, Any]:
        """The config's own decisions, once; ``exact`` when the trace is identical."""
        wanted = list(self.config.decisions or ())
        replay = Replay(wanted)
        done = self.run_one(replay, points=self.config.points)
        if done.message is None:
            return _uncontrolled(done.outcome)
        message = done.message
        exact = replay.complete and done.outcome.decisions == wanted
        message["counts"]["schedules"] = 1
        message["counts"]["replay_exact"] = int(exact)
        if not exact:
            message["details"] = [
                f"replay: the run left its schedule after {replay.used} of {len(wanted)} "
                "decisions (the target behaves differently now)",
                *message["details"],
            ]
        return message


def _gil_enabled() -> bool:
    """Whether the GIL is on: a schedule reuses OS threads only then.  With the GIL,
    reuse makes countdown 2x2's schedules about 1.7x as fast; on 3.14t without it,
    half as fast (waking a worker parked between schedules takes about 1.1 ms there,
    against 70 us for a new thread: reports/bench/sched_core.py --no-reuse)."""
    enabled: Callable[[], bool] | None = getattr(sys, "_is_gil_enabled", None)
    return True if enabled is None else enabled()


def _judge(form: FormTrial, obs: Observation, outcome: ControlledOutcome) -> dict[str, Any] | None:
    """The verdict message for one schedule; None when nothing may be concluded."""
    tokens = form.workload.tokens
    if outcome.status in (DEADLOCK, VIRTUAL_TIMEOUT):
        obs.hung = True
        why = (
            "a deadlock under the controlled scheduler: every thread waits and none can "
            "time out (found at once)"
            if outcome.status == DEADLOCK
            else f"no return in {outcome.virtual_time:.0f} s of virtual time (a livelock, "
            "or a wait without end that polls)"
        )
        calls = ", ".join(f"stage {s}: {n}" for s, n in enumerate(form.workload.calls_started))
        obs.hang_lines = [
            why,
            f"stage calls started: {calls}",
            f"results read by the caller: {len(obs.results)} of {len(obs.expected)}",
            "wait-for table:",
            *outcome.describe()[1:],
        ]
    elif outcome.status != COMPLETED or not outcome.controlled:
        return None
    else:
        error = outcome.result if isinstance(outcome.result, BaseException) else None
        if error is not None and (
            isinstance(error, Unsupported)
            or any(isinstance(e, Unsupported) for e, _ in walk_exception(error))
        ):
            return {"kind": "verdict", "skipped": True, "summary": str(error), "counts": {}}
        if error is not None:
            obs.fault_match = find_fault(error, tokens, {id(f) for f in form.workload.faults})
        obs.leaked = [f"{name!r} (alive a virtual second later)" for name in outcome.leaked]
        if obs.leaked:
            obs.leak_stacks = ["threads still alive when the call had returned:", *outcome.leaked]
    obs.fault_tokens = sorted(tokens)
    verdict = form.judge(classify(obs), obs)
    counts = dict(verdict.counts)
    counts.update(faults=len(tokens), steps=outcome.steps, threads=outcome.threads)
    return {
        "kind": "verdict",
        "category": verdict.category,
        "summary": verdict.summary,
        "details": verdict.details,
        "counts": counts,
        "duration": outcome.virtual_time,
    }


def _found(
    message: dict[str, Any],
    done: _Schedule,
    target: Callable[..., Any],
    *,
    schedules: int,
    strategy: Strategy,
    originally: int,
) -> dict[str, Any]:
    decisions = done.outcome.decisions
    described = strategy.describe()
    kind = described["kind"] + (f" depth {described['depth']}" if "depth" in described else "")
    fewer = len(done.at)
    message["counts"].update(schedules=schedules, preemptions=fewer)
    shrunk = f" (shrunk from {originally})" if fewer != originally else ""
    where = _WHERE[done.points]
    message["details"] = [
        f"schedule: {kind} at {where}, {len(decisions)} decisions, "
        f"{fewer} preemption(s){shrunk}, "
        f"found at schedule {schedules} of this trial ({done.outcome.steps} steps, "
        f"{done.outcome.threads} threads, {done.outcome.virtual_time:.3f} s virtual)",
        *message["details"],
    ]
    message.update(
        decisions=decisions,
        python=interpreter_tag(),
        source=source_hash(target),
        points=done.points,
    )
    return message


def _uncontrolled(outcome: ControlledOutcome) -> dict[str, Any]:
    reason = "; ".join(outcome.describe()) or outcome.status
    return {"kind": "verdict", "category": None, "summary": "", "uncontrolled": reason}


def _made_at_import(before: set[threading.Thread], target: Callable[..., Any]) -> str:
    """Why the target's import keeps schedules from starting fresh, or "".

    An executor made at import (in this child, or in the process that forked it, whose
    objects ``gc.get_objects()`` no longer lists after ``gc.freeze()``: hence the look
    at the target's module too) outlives each schedule, and its threads would run
    uncontrolled in the next.
    """
    started = [t.name for t in threading.enumerate() if t not in before]
    if started:
        return f"the target started thread(s) at import: {', '.join(started)}"
    module = sys.modules.get(getattr(target, "__module__", None) or "")
    found = list(vars(module).values()) if module is not None else []
    if any(isinstance(obj, _LONG_LIVED) for obj in [*found, *gc.get_objects()]):
        return "the target made a thread pool at import (it outlives each schedule)"
    return ""


def _check_replay(config: TrialConfig, target: Callable[..., Any]) -> None:
    """``UsageError`` when a replay's schedule was made elsewhere."""
    if config.decisions is None:
        return
    here = interpreter_tag()
    if config.python and config.python != here:
        raise UsageError(
            f"replay: this schedule was recorded on Python {config.python}, this is {here}: "
            "run the replay with that interpreter, or search again here"
        )
    source = source_hash(target)
    if config.source and source and config.source != source:
        raise UsageError(
            "replay: the target's source changed since this schedule was recorded "
            f"(hash {config.source}, now {source}): search again for a new token"
        )


def main(
    spec: TargetSpec,
    config: TrialConfig,
    trial_timeout: float,
    fd: int,
    *,
    cpu: int | None = None,
    whole_batch: bool = False,
) -> NoReturn:
    """The child's whole life (the protocol of :mod:`stress.trial.child`), then ``os._exit``.
    ``cpu``: the one it keeps to where the GIL is on (the parent's allotment);
    ``whole_batch``: a shrink's candidate, whose batch no real-time share cuts."""
    reporter = child._Reporter(fd)
    try:
        child._fresh_stdio()
        pristine.restore()
        one_cpu.pin(cpu)  # one thread runs at a time: hand-overs stay on one CPU
        standins.install()  # before the target is imported: it binds to the stand-ins
        # Spinning waits on a clock only the scheduler moves: the noise sleeps instead.
        config = dataclasses.replace(config, spin=0.0)
        spec.form.before_import(config)
        before = set(threading.enumerate())
        try:
            target = spec.resolve()
            first = spec.form.open_trial(config, target)  # bad options: a usage error now
            _check_replay(config, target)
        except UsageError as error:
            reporter.send({"kind": "usage", "message": str(error)})
            os._exit(0)
        reporter.send({"kind": "ready"})
        # As in a real-threads child: a thread holding the GIL in C code keeps the
        # scheduler from running, and faulthandler writes the stacks at the parent's
        # SIGABRT before the kill (stress.trial.child.main says why not a timer).
        faulthandler.enable(file=sys.stderr, all_threads=True)
        why = _made_at_import(before, target)
        if why:
            reporter.send({"kind": "verdict", "category": None, "uncontrolled": why})
            os._exit(0)
        trial = _Trial(spec, config, target, trial_timeout, first, whole_batch=whole_batch)
        reporter.send(trial.search() if config.decisions is None else trial.replay())
    except BaseException as error:  # the harness's own failure: exit 3 upstream
        reporter.send(
            {
                "kind": "internal",
                "message": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
            }
        )
    finally:
        sys.stdout.flush()
        os._exit(0)


class ScheduledTrial:
    """A :class:`~stress.trial.execution.RunningTrial`: the search's child, then, for a
    defect, its exact replay in a fresh child (see the module's invariants)."""

    def __init__(
        self,
        spec: TargetSpec,
        config: TrialConfig,
        *,
        trial_timeout: float,
        ready_timeout: float,
        whole_batch: bool = False,
    ) -> None:
        self.spec, self.config = spec, config
        self.timeouts = (trial_timeout, ready_timeout)
        self.whole_batch = whole_batch
        # Its children keep to a CPU the fewest running scheduled trials hold (one_cpu).
        self.cpu: int | None = one_cpu.ALLOTMENT.take()
        self.current = self._child(config)
        self.found: TrialRecord | None = None  # the search child's defect, being replayed

    def _child(self, config: TrialConfig) -> TrialProcess:
        """A child running ``config`` on this trial's CPU (given back if it cannot start)."""
        try:
            return TrialProcess(
                self.spec,
                config,
                trial_timeout=self.timeouts[0],
                ready_timeout=self.timeouts[1],
                main=functools.partial(main, cpu=self.cpu, whole_batch=self.whole_batch),
            )
        except BaseException:
            self._give_back()
            raise

    def _give_back(self) -> None:
        one_cpu.ALLOTMENT.give(self.cpu)
        self.cpu = None

    @property
    def deadline(self) -> float:
        return self.current.deadline

    def fileno(self) -> int:
        return self.current.fileno()

    def poll(self) -> TrialRecord | None:
        record = self.current.poll()
        if record is None:
            return None
        if self.found is None:
            if (
                record.exact_config is None
                or record.category is None
                or self.config.decisions is not None
            ):
                self._give_back()
                return record
            self.found = record
            self.current = self._child(record.exact_config)
            return None
        self._give_back()
        return _confirmed(self.found, record)

    def abandon(self) -> None:
        self._give_back()
        self.current.abandon()


def _confirmed(found: TrialRecord, replayed: TrialRecord) -> TrialRecord:
    """The search child's defect if its fresh replay showed it exactly, else a pass."""
    if replayed.category == found.category and replayed.counts.get("replay_exact") == 1:
        found.counts["replay_exact"] = 1
        found.wall += replayed.wall
        return found
    shown = replayed.category or "no defect"
    return dataclasses.replace(
        found,
        category=None,
        summary=f"not confirmed: its schedule replayed in a fresh child gave {shown}",
        exact_config=None,
    )


def under_the_scheduler(config: TrialConfig) -> TrialConfig:
    """``config`` as a scheduled trial runs it: its real-threads pressure (the
    preempter's share, hold and bytecodes, the switch interval) does nothing when one
    thread runs at a time, so it is dropped, and a report or a shrink never names it."""
    strategy = "timing" if config.strategy.startswith("preempt") else config.strategy
    return dataclasses.replace(
        config,
        mode="scheduled",
        strategy=strategy,
        preempt=0.0,
        preempt_hold_us=0.0,
        preempt_ops=False,
        switch_interval=0.005,
    )


class ScheduledThreads:
    """The executor of ``--mode scheduled`` (:mod:`stress.trial.execution`);
    ``whole_batch``: its trials are a shrink's candidates (:meth:`for_candidates`)."""

    name = "scheduled"

    def __init__(self, *, whole_batch: bool = False) -> None:
        self.whole_batch = whole_batch

    def for_candidates(self) -> ScheduledThreads:
        """Trials whose batches run every schedule however slow the machine (only the
        trial's real-time limit cuts them): a candidate that misses the defect for want
        of real time would be kept out of the shrink (a loaded 3.14t reported a
        two-thread deadlock at 3 workers)."""
        return SCHEDULED_CANDIDATES

    def assign(self, config: TrialConfig, options: SearchOptions, *, shape: bool) -> TrialConfig:
        """Trials ``k < SMALL_FIRST`` in the small scope (:func:`small_first`)."""
        config = under_the_scheduler(config)
        return small_first(config, options, shape=shape) if config.k < SMALL_FIRST else config

    def start(
        self, spec: TargetSpec, config: TrialConfig, *, trial_timeout: float, ready_timeout: float
    ) -> ScheduledTrial:
        config = under_the_scheduler(config)
        return ScheduledTrial(
            spec,
            config,
            trial_timeout=trial_timeout,
            ready_timeout=ready_timeout,
            whole_batch=self.whole_batch,
        )


#: The executor of ``--mode scheduled``.
SCHEDULED = ScheduledThreads()
#: ... and of a shrink's scheduled candidates.
SCHEDULED_CANDIDATES = ScheduledThreads(whole_batch=True)
