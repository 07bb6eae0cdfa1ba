"""The deterministic mode's trial child: one configuration, many schedules.

The child of a scheduled trial (:mod:`stress.trial.controlled`) lives in :func:`main`:
the stand-ins of :mod:`stress.scheduled` are installed *before* the target is
imported, then the trial's configuration is run under up to
:data:`SCHEDULES_PER_TRIAL` schedules, schedule ``j`` drawn from
``(seed, k * SCHEDULES_PER_TRIAL + j)`` (random walk or PCT of depth 1 to 3), each on
fresh items, stages and results, until one shows a defect.  Sleeps, timeouts and the
harness's own timing noise advance a virtual clock, so a schedule costs CPU only.

Invariants:

* Each schedule's verdict is :func:`stress.trial.sched_verdict.judge`'s.
* A defect's configuration is shrunk here (a batch of schedules a simpler candidate,
  :func:`stress.core.simpler.candidates`), for at most :data:`SHRINK_CONFIG_SHARE` of
  the trial timeout; its schedule is then cut to its fewest preemptions
  (:mod:`stress.scheduled.preemptions`); what is sent is the schedule of the
  configuration reached, with how far the shrink got (``shrunk``: the search's shrink
  goes on when it did not finish).  No schedule of a trial runs past the trial
  timeout + :data:`REAL_TIME_EXTRA` from its first.
* Nothing is concluded from a run the scheduler did not control: the message says
  ``uncontrolled`` with why.
* A replay (a config with ``decisions``) runs exactly that schedule once.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import os
import random
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from stress.core.config import SCHEDULING_POINTS, TrialConfig
from stress.core.errors import UsageError
from stress.core.oracle import Observation
from stress.core.simpler import candidates, config_key
from stress.forms.protocol import FormTrial
from stress.forms.targets import TargetSpec
from stress.scheduled import _real, one_cpu, run_controlled, standins
from stress.scheduled.preemptions import Counted, Tried, fewest_preemptions
from stress.scheduled.run import ControlledOutcome
from stress.scheduled.scheduler import STEP_LIMIT, RunAborted
from stress.scheduled.scheduler import Strategy as Chooser
from stress.scheduled.strategies import Replay, Strategy, draw
from stress.trial import child, pristine
from stress.trial.sched_points import LinePoints
from stress.trial.sched_verdict import (
    Schedule,
    check_replay,
    found_message,
    judge,
    made_at_import,
    uncontrolled,
)

#: Schedules one trial's child runs (fewer when its real-time share is spent).
SCHEDULES_PER_TRIAL = 50
#: A search's child stops starting schedules after this share of the trial timeout
#: (real time).  A shrink's candidate does not (``whole_batch``): its verdict must be a
#: function of its configuration, not of how loaded the machine is.
BATCH_SHARE = 0.5
#: Shares of schedules by where they may switch (stress.core.config.SCHEDULING_POINTS):
#: synchronisation points only, also at the target's lines, also between its bytecodes.
POINT_SHARES = {"sync": 0.4, "lines": 0.35, "ops": 0.25}


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


@dataclasses.dataclass
class _Find:
    """A schedule of a batch that showed a defect."""

    done: Schedule
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
    ) -> Schedule:
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
        message = judge(form, obs, outcome)
        return Schedule(outcome, message, counting.at, points, counting.deciders)

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
            # Workers forget earlier lives (scheduled._fresh).  Reuse makes countdown
            # 2x2's schedules about 1.7x as fast with the GIL, and on a pinned 3.14t 3x
            # (246 -> 746 a second, sync points) since a parked worker's wake-up is an
            # eventfd (scheduled/gate.py; it took 1.1 ms on a lock there:
            # reports/bench/sched_core.py --no-reuse).
            reuse_os_threads=True,
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
        message = found_message(
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
                    return uncontrolled(done.outcome)
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
            if not done.outcome.decisions:
                # No decision: never two threads able to run at once (each wait ended
                # by another thread's step, or by a timeout due alone, as when every
                # stage call sleeps a different virtual while).  Every strategy, at
                # every kind of point, runs this same interleaving (a point offers a
                # choice only when another thread can run): the rest would repeat it.
                break
        if message is None:  # every schedule stepped without end
            return uncontrolled(done.outcome)
        message["counts"].update(schedules=run - unended, unended=unended)
        return message

    def shrink_config(self, found: _Find, *, until: float) -> tuple[_Find, _Shrunk]:
        """The simplest configuration (:func:`stress.core.simpler.candidates`, greedy,
        as the search's shrink) whose batch shows ``found``'s category, tried here, one
        batch per candidate, until ``until``; ``self.config`` becomes it.  Its schedule
        is replayed in a fresh child before it is reported
        (:class:`stress.trial.controlled.ScheduledTrial`)."""
        category = found.message.get("category")
        # The found schedule's draw first: a simpler config often fails under it again
        # (most candidates that fail do so at once); a candidate that does not fail
        # costs at most twice the schedules the find took, and no fewer than a few.
        cap = min(SCHEDULES_PER_TRIAL, max(SHRINK_SCHEDULES, 2 * found.schedules))
        order = [found.j, *(j for j in range(cap) if j != found.j)]
        shrunk = _Shrunk()
        tried = {config_key(self.config)}
        barren: list[TrialConfig] = []  # shapes whose whole batch missed (_covered)
        shape = self.spec.form.shrinks_shape
        progress = True
        while progress:
            progress = False
            for step, candidate in candidates(self.config, shape=shape, category=category):
                if candidate is None or config_key(candidate) in tried:
                    continue
                if _covered(candidate, barren):
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
                if (candidate.workers, candidate.items) != (kept.workers, kept.items):
                    barren.append(candidate)
        shrunk.finished = True
        return found, shrunk

    def fewest(self, found: Schedule) -> Schedule:
        """A schedule with fewer of ``found``'s preemptions that still shows its
        category (each candidate run; see stress.scheduled.preemptions), or ``found``."""
        if not found.at or not self.spec.form.reopens or found.message is None:
            return found
        category = found.message.get("category")
        shown: list[Schedule] = []
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
            return uncontrolled(done.outcome)
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


def _covered(candidate: TrialConfig, barren: Sequence[TrialConfig]) -> bool:
    """Whether a shape whose whole batch missed (``barren``) covers ``candidate``: the
    same widths with as many items or more.  Along a shrink every other field only gets
    simpler (under the scheduler no step adds pressure), so such a candidate has no
    more behaviours than the one that missed: a drop of a stage that cannot race, tried
    again after each later step, took over half of barrier_as_published's in-child
    shrink (6 of 10 batches, 50 schedules each)."""
    return any(
        shape.workers == candidate.workers and shape.items >= candidate.items for shape in barren
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
            check_replay(config, target)
        except UsageError as error:
            reporter.send({"kind": "usage", "message": str(error)})
            os._exit(0)
        reporter.send({"kind": "ready"})
        # As in a real-threads child: a thread holding the GIL in C code keeps the
        # scheduler from running, and faulthandler writes the stacks at the parent's
        # SIGABRT before the kill (stress.trial.child.main says why not a timer).
        faulthandler.enable(file=sys.stderr, all_threads=True)
        why = made_at_import(before, target)
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
