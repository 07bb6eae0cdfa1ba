"""The budget-driven search: trials k = 0, 1, 2, ... until a defect or the budget ends.

Invariants:

* Trial ``k``'s configuration is ``draw(seed, k, options)`` (or the replayed config),
  whatever happened before; each runs in its own child, ``jobs`` of them at once
  (trials are launched in order of k; they may finish in any order).
* No trial starts after the budget is spent, except the first (a search always runs
  at least one); a trial costs at most ``ready_timeout + trial_timeout + HARD_EXTRA``
  (see :mod:`stress.trial.runner`), so a search ends within budget + trial timeout + 10 s.
* A trial still advancing when the watchdog's look ends (an *unconfirmed* HANG: load
  on the machine, or a livelock) is run once more with the same configuration, when
  that fits in the bound above; HANG is reported only if the second run hangs too.
  Otherwise it counts as a passed, slow trial (``slow``).  A re-run still going at
  the bound is killed and the first run stays a slow pass.  A run whose threads were
  *starved* (runnable, yet given almost no CPU: see :mod:`stress.trial.watchdog`) is a
  slow pass at once, first run or re-run: it shows the machine's load, not the target.
* The search stops at the first defect a finished trial shows; trials still in
  flight then are killed and not counted.  ``Unsupported`` trials are counted as
  skipped; a search in which every trial was skipped is a usage error.
* Trial ``k``'s executor is part of its configuration (``mode``, from the executor's
  ``assign``: ``--mode auto`` runs some trials under the scheduler, see
  :mod:`stress.trial.portfolio`).
* A trial the controlled scheduler could not control (``record.uncontrolled``) is not
  counted: it proves nothing.  The search then runs the rest of its trials on real
  threads (``fallback`` says why); a PASS never rests on uncontrolled schedules.
* A replay of a scheduled trial's exact schedule (``decisions``) runs once: it is the
  identical interleaving every time.
* Ctrl-C ends the search at once (the running child is killed) with
  ``interrupted=True`` and what had been explored.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stress.core.bars import progress_bar
from stress.core.config import SearchOptions, TrialConfig
from stress.core.errors import UsageError
from stress.core.record import TrialRecord
from stress.forms.targets import TargetSpec
from stress.trial.execution import FORKED_THREADS, RunningTrial, TrialExecutor, wait_any
from stress.trial.watchdog import CONFIRM_MAX


@dataclass
class SearchResult:
    """What a search explored and, if it found one, the defect's trial."""

    seed: int
    trials: int = 0
    skipped: int = 0
    shapes: set[tuple[object, ...]] = field(default_factory=set)
    defect: TrialRecord | None = None
    interrupted: bool = False
    elapsed: float = 0.0
    slow: int = 0  # trials still advancing at the watchdog's cap whose re-run did not hang
    results_checked: bool = True  # False: results were never compared (the form's watch)
    errors_checked: bool = True  # False: no fault could be injected (the form's watch)
    mode: str = "threads"  # the executor that ran the trials (after any fallback)
    uncontrolled: int = 0  # scheduled trials the scheduler could not control (not counted)
    fallback: str = ""  # why the search fell back from the scheduler to real threads

    @property
    def configurations(self) -> int:
        return len(self.shapes)


#: The search's end, past budget + trial timeout: inside the contract's 10 s.
BOUND_SLACK = 9.5
#: A re-run's cost past its trial timeout, at most: import, the watchdog's look, slack.
RERUN_EXTRA = 1.0 + CONFIRM_MAX

#: A replay runs its trial at most this often (a race may need a few runs to show).
REPLAY_RUNS = 20
#: Trials in flight at once: one per core, at most two (each trial is itself threaded).
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))


def ready_timeout_for(budget: float) -> float:
    """How long a child may take to import the target (counted inside the budget)."""
    return max(1.5, min(budget, 10.0))


def search(
    spec: TargetSpec,
    *,
    seed: int,
    budget: float,
    trial_timeout: float,
    options: SearchOptions,
    replay: TrialConfig | None = None,
    on_trial: Callable[[SearchResult, TrialRecord], None] | None = None,
    jobs: int = DEFAULT_JOBS,
    executor: TrialExecutor = FORKED_THREADS,
) -> SearchResult:
    """Run trials on ``spec`` until a defect, the budget's end, or Ctrl-C.

    ``replay``: run that one configuration again, up to ``REPLAY_RUNS`` times within
    the budget (a timing-dependent defect may need several runs to show), instead of
    drawing new ones.
    Raises :class:`UsageError` (bad target, every trial unsupported) and
    :class:`stress.core.errors.InternalError`.
    """
    start = time.monotonic()
    deadline = start + budget
    result = SearchResult(seed=replay.seed if replay else seed)
    active: list[RunningTrial] = []
    bound = start + budget + trial_timeout + BOUND_SLACK
    reruns = _Reruns(spec, bound, trial_timeout, ready_timeout_for(budget), executor)
    watch = spec.form.watch()
    replay_runs = 1 if replay is not None and replay.decisions is not None else REPLAY_RUNS
    k = 0
    try:
        while True:
            reruns.launch(active, jobs)
            while (
                len(active) < max(1, jobs)
                and (k == 0 or time.monotonic() < deadline)
                and (replay is None or k < replay_runs)
            ):
                config = _config(spec, replay, seed, k, options=options, executor=executor)
                active.append(
                    executor.start(
                        spec,
                        config,
                        trial_timeout=trial_timeout,
                        ready_timeout=ready_timeout_for(budget),
                    )
                )
                k += 1
            if not active:
                break
            wait_any(active)
            reruns.drop_late(active)
            for trial in list(active):
                record = trial.poll()
                if record is None:
                    continue
                active.remove(trial)
                if record.uncontrolled:  # proves nothing: real threads from now on
                    result.uncontrolled += 1
                    result.fallback = result.fallback or record.uncontrolled
                    executor = reruns.executor = FORKED_THREADS
                    continue
                record = watch.see(record)  # what only several trials show
                record = reruns.look(trial, record)
                result.slow = reruns.slow
                _count(result, record, on_trial)
            if result.defect is not None:
                break
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        for trial in active:  # in flight when a defect was found: not counted
            trial.abandon()
    result.elapsed = time.monotonic() - start
    result.mode = executor.name
    result.results_checked = watch.results_checked
    result.errors_checked = watch.errors_checked
    if result.defect is None and not result.interrupted:
        watch.finish(trials=result.trials - result.skipped)
    if result.trials and result.skipped == result.trials and not result.interrupted:
        raise UsageError(
            f"every trial ({result.trials}) raised Unsupported: the target takes none of "
            "the shapes tried (pin one it takes with --stages/--workers/--max-items)"
        )
    return result


def _count(
    result: SearchResult,
    record: TrialRecord,
    on_trial: Callable[[SearchResult, TrialRecord], None] | None,
) -> None:
    """Count a finished trial; the first defect is the search's."""
    result.trials += 1
    result.shapes.add(record.config.shape)
    result.skipped += record.skipped
    if on_trial is not None:
        on_trial(result, record)
    if record.category is not None and result.defect is None:
        result.defect = record


def _config(
    spec: TargetSpec,
    replay: TrialConfig | None,
    seed: int,
    k: int,
    *,
    options: SearchOptions,
    executor: TrialExecutor,
) -> TrialConfig:
    """Trial ``k``'s configuration: the replayed one, or the target form's draw as the
    executor runs it (its ``mode``)."""
    if replay is not None:
        return replay
    drawn = spec.form.draw(seed, k, options)
    return executor.assign(drawn, options, shape=spec.form.shrinks_shape)


class _Reruns:
    """Unconfirmed HANGs, run once more: HANG only if the re-run hangs too."""

    def __init__(
        self,
        spec: TargetSpec,
        bound: float,
        timeout: float,
        ready: float,
        executor: TrialExecutor,
    ) -> None:
        self.spec, self.bound, self.timeout, self.ready = spec, bound, timeout, ready
        self.executor = executor
        self.pending: list[TrialConfig] = []  # configs to run again
        self.running: set[RunningTrial] = set()  # re-runs in flight
        self.slow = 0  # first runs still advancing at the cap whose re-run did not hang

    def launch(self, active: list[RunningTrial], jobs: int) -> None:
        while self.pending and len(active) < max(1, jobs):
            trial = self.executor.start(
                self.spec, self.pending.pop(0), trial_timeout=self.timeout, ready_timeout=self.ready
            )
            self.running.add(trial)
            active.append(trial)

    def drop_late(self, active: list[RunningTrial]) -> None:
        """At the bound, kill the re-runs still going (their first runs stay slow passes)."""
        if time.monotonic() < self.bound:
            return
        for trial in self.running.intersection(active):
            trial.abandon()
            active.remove(trial)

    def look(self, trial: RunningTrial, record: TrialRecord) -> TrialRecord:
        """The record as the search counts it; queues a re-run of a first unconfirmed HANG."""
        if trial in self.running:
            self.running.discard(trial)
            if record.category != "HANG":
                return record
            if record.starved:  # the first run stays the slow pass it was counted as
                return _slow(record)
            self.slow -= 1  # its first run was a hang after all
            note = "the same configuration hung in two runs; the first was still advancing"
            return dataclasses.replace(record, details=[note, *record.details])
        if record.category != "HANG" or not record.unconfirmed:
            return record
        self.slow += 1
        if not record.starved and time.monotonic() + self.timeout + RERUN_EXTRA <= self.bound:
            self.pending.append(record.config)
        return _slow(record)


def _slow(record: TrialRecord) -> TrialRecord:
    """An unconfirmed HANG as the search counts it: a passed, slow trial."""
    return dataclasses.replace(record, category=None, summary="slow: " + record.summary)


class Progress:
    """A tqdm bar on stderr, only when stderr is a terminal; call it after each trial."""

    def __init__(self, budget: float) -> None:
        self._bar = None
        self._budget = budget
        self._started = time.monotonic()
        if sys.stderr.isatty():
            self._bar = progress_bar(total=round(budget, 1), unit="s", file=sys.stderr, leave=False)

    def __call__(self, result: SearchResult, record: TrialRecord) -> None:
        if self._bar is None:
            return
        self._bar.n = round(min(time.monotonic() - self._started, self._budget), 1)
        self._bar.set_postfix_str(f"trials={result.trials} skipped={result.skipped}", refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
