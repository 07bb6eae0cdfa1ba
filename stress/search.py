"""The budget-driven search: trials k = 0, 1, 2, ... until a defect or the budget ends.

Invariants:

* Trial ``k``'s configuration is ``draw(seed, k, options)`` (or the replayed config),
  whatever happened before; each runs in its own child, ``jobs`` of them at once
  (trials are launched in order of k; they may finish in any order).
* No trial starts after the budget is spent, except the first (a search always runs
  at least one); a trial costs at most ``ready_timeout + trial_timeout + HARD_EXTRA``
  (see :mod:`stress.runner`), so a search ends within budget + trial timeout + 10 s.
* The search stops at the first defect a finished trial shows; trials still in
  flight then are killed and not counted.  ``Unsupported`` trials are counted as
  skipped; a search in which every trial was skipped is a usage error.
* Ctrl-C ends the search at once (the running child is killed) with
  ``interrupted=True`` and what had been explored.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import tqdm

from stress.config import SearchOptions, TrialConfig, draw
from stress.errors import UsageError
from stress.fixed.watch import FixedWatch
from stress.runner import TrialProcess, TrialRecord, wait_any
from stress.targets import TargetSpec

tqdm.tqdm.monitor_interval = 0  # no monitor thread: this process forks trials


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
    results_checked: bool = True  # False: a fixed pipeline whose results were not compared

    @property
    def configurations(self) -> int:
        return len(self.shapes)


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
) -> SearchResult:
    """Run trials on ``spec`` until a defect, the budget's end, or Ctrl-C.

    ``replay``: run that one configuration again, up to ``REPLAY_RUNS`` times within
    the budget (a timing-dependent defect may need several runs to show), instead of
    drawing new ones.
    Raises :class:`UsageError` (bad target, every trial unsupported) and
    :class:`stress.errors.InternalError`.
    """
    start = time.monotonic()
    deadline = start + budget
    result = SearchResult(seed=replay.seed if replay else seed)
    active: list[TrialProcess] = []
    watch = FixedWatch(spec.fixed) if spec.fixed is not None else None
    k = 0
    try:
        while True:
            while (
                len(active) < max(1, jobs)
                and (k == 0 or time.monotonic() < deadline)
                and (replay is None or k < REPLAY_RUNS)
            ):
                if replay is not None:
                    config = replay
                elif spec.fixed is not None:  # pipeline(items): its own draw
                    config = spec.fixed.draw(seed, k, options)
                else:
                    config = draw(seed, k, options)
                active.append(
                    TrialProcess(
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
            for trial in list(active):
                record = trial.poll()
                if record is None:
                    continue
                active.remove(trial)
                if watch is not None:  # fewer results for the same items, patch calls
                    record = watch.see(record)
                result.trials += 1
                result.shapes.add(record.config.shape)
                result.skipped += record.skipped
                if on_trial is not None:
                    on_trial(result, record)
                if record.category is not None and result.defect is None:
                    result.defect = record
            if result.defect is not None:
                break
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        for trial in active:  # in flight when a defect was found: not counted
            trial.abandon()
    result.elapsed = time.monotonic() - start
    if watch is not None:
        result.results_checked = watch.results_checked
        if result.defect is None and not result.interrupted:
            watch.finish(trials=result.trials - result.skipped)
    if result.trials and result.skipped == result.trials and not result.interrupted:
        raise UsageError(
            f"every trial ({result.trials}) raised Unsupported: the target takes none of "
            "the shapes tried (pin one it takes with --stages/--workers/--max-items)"
        )
    return result


class Progress:
    """A tqdm bar on stderr, only when stderr is a terminal; call it after each trial."""

    def __init__(self, budget: float) -> None:
        self._bar = None
        self._budget = budget
        self._started = time.monotonic()
        if sys.stderr.isatty():
            self._bar = tqdm.tqdm(total=round(budget, 1), unit="s", file=sys.stderr, leave=False)

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
