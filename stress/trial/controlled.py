"""The deterministic mode's executor: a trial whose target runs under the controlled scheduler.

A trial of ``--mode scheduled`` forks a child like a real-threads trial
(:class:`~stress.trial.runner.TrialProcess`, the same pipe protocol and deadlines)
whose life is :func:`stress.trial.sched_child.main`: many schedules of the trial's
configuration, a found defect shrunk there and sent with its schedule's decisions.

Invariants:

* A defect is reported only after :class:`ScheduledTrial` replays its decisions once
  in a fresh child (no earlier schedule's module state) and the replay shows the same
  category on the identical trace: "replay: exact".  A defect the fresh replay does
  not show is dropped (a false alarm costs more than a miss) and the trial counts as
  passed.
* A scheduled trial drops the real-threads pressure of its configuration
  (:func:`under_the_scheduler`); a search's first :data:`SMALL_FIRST` trials are drawn
  in the small scope.
* Nothing is concluded from a run the scheduler did not control: the record says
  ``uncontrolled`` with why, and the search falls back to real threads
  (:mod:`stress.search.engine`).
"""

from __future__ import annotations

import dataclasses
import functools

from stress.core.config import SearchOptions, TrialConfig
from stress.core.record import TrialRecord
from stress.core.simpler import small_first
from stress.forms.targets import TargetSpec
from stress.scheduled import one_cpu
from stress.trial.runner import TrialProcess
from stress.trial.sched_child import main

#: A search's first scheduled trials (this many) are drawn in the small
#: scope (stress.core.simpler.small_first).  Measured in process (``bench modes``'
#: time to the report, seeds 0-9): single_pool median 0.26 -> 0.15 s (max 0.84 ->
#: 0.34), barrier_as_published 0.65 -> 0.38 s, race_lock_order 0.58 -> 0.38 s.  Three
#: since the second sleeps in every call (small_first): the other two keep the
#: drawn timing that a race in the target's own code needs.
SMALL_FIRST = 3


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

    def assign(
        self, config: TrialConfig, options: SearchOptions, *, shape: bool, turn: int | None = None
    ) -> TrialConfig:
        """The first SMALL_FIRST scheduled trials in the small scope (:func:`small_first`);
        ``turn``: this trial's place among the search's scheduled ones (default ``k``:
        every trial is; ``--mode auto`` runs one in eight)."""
        config = under_the_scheduler(config)
        turn = config.k if turn is None else turn
        if turn >= SMALL_FIRST:
            return config
        return small_first(config, options, shape=shape, turn=turn)

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
