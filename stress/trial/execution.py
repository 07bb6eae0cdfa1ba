"""How a trial executes: the one seam between the search and a trial's mechanics.

The search, shrinking and the comparison start trials through a
:class:`TrialExecutor` and drive what it returns, a :class:`RunningTrial`, without
blocking: they wait on its ``fileno()`` until its ``deadline``, ``poll()`` it for a
record, and ``abandon()`` it when they no longer need it.  They never ask how it runs.

There are two executors: :data:`FORKED_THREADS`, a forked child running the target's
real threads under the watchdog (:mod:`stress.trial.runner`, :mod:`stress.trial.child`),
and ``SCHEDULED`` (:mod:`stress.trial.controlled`), the same kind of child running
them under the controlled scheduler (the deterministic mode); ``PORTFOLIO``
(:mod:`stress.trial.portfolio`, ``--mode auto``) runs some trials with each.  ``--mode``
chooses one in the faces.

Invariants every executor keeps: ``poll()`` returns ``None`` until the trial is over
and then its :class:`~stress.core.record.TrialRecord` (the same record whatever the
executor); a trial never outlives ``deadline`` by more than the time to kill it; after
``abandon()`` nothing of the trial is left running.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from typing import Protocol

from stress.core.config import SearchOptions, TrialConfig
from stress.core.record import TrialRecord
from stress.forms.targets import TargetSpec
from stress.trial.runner import TrialProcess


class RunningTrial(Protocol):
    """One trial under way (see the module's invariants)."""

    @property
    def deadline(self) -> float:
        """``time.monotonic()`` by which the trial will be over, one way or another."""
        ...

    def fileno(self) -> int:
        """Readable when ``poll()`` may have news (for ``select``)."""
        ...

    def poll(self) -> TrialRecord | None: ...

    def abandon(self) -> None: ...


class TrialExecutor(Protocol):
    """Starts trials; one implementation per way of executing them (``--mode``)."""

    @property
    def name(self) -> str:
        """The ``--mode`` value that chooses it."""
        ...

    def assign(self, config: TrialConfig, options: SearchOptions, *, shape: bool) -> TrialConfig:
        """A search's draw for trial k as this executor runs it (its ``mode`` above all):
        a pure function of its arguments, so trial k stays a function of (seed, k).
        ``options``: what the user pinned; ``shape``: whether the target's form lets
        the harness choose stages, widths and items (not a fixed pipeline)."""
        ...

    def start(
        self, spec: TargetSpec, config: TrialConfig, *, trial_timeout: float, ready_timeout: float
    ) -> RunningTrial: ...

    def for_candidates(self) -> TrialExecutor:
        """The executor a shrink runs its candidates with: the same mechanics, and a
        candidate's verdict never cut short by the real time a search trial may take."""
        ...


class ForkedThreads:
    """Real threads in a forked child, under timing and interleaving pressure."""

    name = "threads"

    def assign(self, config: TrialConfig, options: SearchOptions, *, shape: bool) -> TrialConfig:
        return config

    def start(
        self, spec: TargetSpec, config: TrialConfig, *, trial_timeout: float, ready_timeout: float
    ) -> TrialProcess:
        return TrialProcess(spec, config, trial_timeout=trial_timeout, ready_timeout=ready_timeout)

    def for_candidates(self) -> ForkedThreads:
        return self  # a real-threads trial runs to its end anyway


#: The executor of ``--mode threads``.
FORKED_THREADS = ForkedThreads()


def wait_any(trials: Sequence[RunningTrial]) -> None:
    """Block until one of ``trials`` has something to read or reaches its deadline."""
    timeout = max(0.0, min(t.deadline for t in trials) - time.monotonic())
    select.select(list(trials), [], [], min(timeout, 0.25))


def run_trial(
    spec: TargetSpec,
    config: TrialConfig,
    *,
    trial_timeout: float = 2.0,
    ready_timeout: float = 10.0,
    executor: TrialExecutor = FORKED_THREADS,
) -> TrialRecord:
    """Run ``config`` on ``spec`` to its end; never hangs and leaves nothing behind.

    Raises :class:`~stress.core.errors.UsageError` when the target cannot be imported or
    called (the child's one-line message), :class:`~stress.core.errors.InternalError` when
    the harness failed.
    """
    trial = executor.start(spec, config, trial_timeout=trial_timeout, ready_timeout=ready_timeout)
    try:
        while (record := trial.poll()) is None:
            wait_any([trial])
        return record
    finally:
        trial.abandon()
