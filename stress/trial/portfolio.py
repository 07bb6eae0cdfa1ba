"""``--mode auto``: a portfolio of the two executors, trial by trial.

Trial ``k`` runs under the controlled scheduler when ``k % SCHEDULED_EVERY ==
SCHEDULED_AT``, else on real threads; the choice is written into the trial's config
(``mode``), so trial k is still a function of (seed, k), its replay token names how it
ran, and a shrink or a re-run of it goes to the same executor.

Why these weights (``python -m stress bench detection --mode both``, committed under
reports/bench/detection/): the scheduler finds hangs and leaks sooner (a deadlock at
once, no watchdog wait) and its defects replay exactly; real threads find value bugs
sooner (a real-threads trial costs tens of milliseconds, a scheduled one up to half
the trial timeout, since it runs up to 50 schedules of one configuration).  One
scheduled trial in eight is about half of a search's time on small targets.  The
second trial (k = 1) is the first scheduled one, so with two trials in flight both
executors run from the start.

A defect found on real threads is run again under the scheduler before it is shrunk
(:mod:`stress.search.twin`), so that an ``auto`` report replays exactly when it can.

Invariants: :meth:`Portfolio.start` goes by ``config.mode`` alone, never by ``k``
(a shrink candidate keeps its found trial's executor); a target the scheduler cannot
control makes the search fall back to real threads (:mod:`stress.search.engine`).
"""

from __future__ import annotations

from stress.core.config import SearchOptions, TrialConfig
from stress.forms.targets import TargetSpec
from stress.trial.controlled import SCHEDULED, ScheduledThreads
from stress.trial.execution import FORKED_THREADS, RunningTrial, TrialExecutor

#: One trial in this many runs under the controlled scheduler ...
SCHEDULED_EVERY = 8
#: ... the one whose ``k % SCHEDULED_EVERY`` is this.
SCHEDULED_AT = 1


def scheduled_turn(k: int) -> bool:
    """Whether ``--mode auto`` runs trial ``k`` under the controlled scheduler."""
    return k % SCHEDULED_EVERY == SCHEDULED_AT


class Portfolio:
    """The executor of ``--mode auto`` (see the module's invariants)."""

    name = "auto"

    def __init__(self, scheduled: ScheduledThreads = SCHEDULED) -> None:
        self.scheduled = scheduled  # the executor of its scheduled trials

    def assign(self, config: TrialConfig, options: SearchOptions, *, shape: bool) -> TrialConfig:
        if scheduled_turn(config.k):
            turn = config.k // SCHEDULED_EVERY  # its place among the scheduled trials
            return self.scheduled.assign(config, options, shape=shape, turn=turn)
        return config

    def start(
        self, spec: TargetSpec, config: TrialConfig, *, trial_timeout: float, ready_timeout: float
    ) -> RunningTrial:
        executor = self.scheduled if config.mode == "scheduled" else FORKED_THREADS
        return executor.start(
            spec, config, trial_timeout=trial_timeout, ready_timeout=ready_timeout
        )

    def for_candidates(self) -> Portfolio:
        return Portfolio(self.scheduled.for_candidates())


#: The executor of ``--mode auto``, the default.
PORTFOLIO = Portfolio()

#: The executor each ``--mode`` value names (in the order the benchmarks' tables use).
EXECUTORS: dict[str, TrialExecutor] = {
    "threads": FORKED_THREADS,
    "scheduled": SCHEDULED,
    "auto": PORTFOLIO,
}
