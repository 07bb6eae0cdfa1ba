"""Shrink a failing trial to a smallest configuration that still shows its defect.

Invariants:

* Every configuration returned was seen failing with the *same category* as the
  original, in a real run: a candidate is kept only if at least one of ``attempts``
  runs shows that category.  The original is the fallback, so shrinking never makes a
  report worse.
* Candidates are strictly simpler than the configuration they come from (fewer
  stages, narrower stages, fewer items, no awkward values, no fault, quieter timing,
  fewer forced preemptions), but for one step that makes preemption steadier.
  ``seed`` and ``k`` are kept, so the items are a prefix of the original ones (see
  :mod:`stress.forms.workload`) and a replay token rebuilds them.  Greedy: the first
  candidate that still fails is taken, and the search starts over from it, until no
  candidate fails or the deadline comes.
* Time: no run starts after ``deadline``; the re-runs that measure how reliably the
  final configuration reproduces (``measure``, default 5; as few as 2 when a run is
  costly) are reserved before shrinking starts, at the cost of the original run each.
* A deterministic-mode defect (its record has an ``exact_config``: the schedule's
  decisions) is a function of its configuration: each candidate runs once, and the
  measuring re-runs replay the shrunk record's own schedule (:data:`EXACT_MEASURE`
  of them), so they show whether that replay is exact, not whether a time-bounded
  batch of schedules reached the same one again.  The fresh-child replay that
  confirmed the record (``replay_exact`` in its counts: its trial replayed the very
  schedule reported, in a child of its own) is the first of them.  The trial's child shrinks the
  configuration itself first (the record's ``shrunk``: a batch of schedules a
  candidate, no fork each); when it finished, only the measuring re-runs are left
  here, else the search goes on from where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stress.core.config import TrialConfig
from stress.core.errors import InternalError, UsageError
from stress.core.record import TrialRecord
from stress.core.simpler import candidates, config_key
from stress.forms.targets import TargetSpec
from stress.search.engine import REPLAY_RUNS
from stress.trial.execution import FORKED_THREADS, TrialExecutor, run_trial

#: Runs of one candidate before it is judged not to fail.
ATTEMPTS = 3
#: Re-runs of the final configuration that measure its reproduction rate.
MEASURE = 5
#: Re-runs of a deterministic-mode defect's own schedule (each in a fresh child).
EXACT_MEASURE = 2
#: Trial timeout of the candidates while shrinking a HANG.
QUICK_HANG = 1.0
#: What the watchdog's confirming look and the trial's own costs add to a hang's timeout.
HANG_LOOK = 1.3

Runner = Callable[[TargetSpec, TrialConfig, float], TrialRecord]


def runner_for(executor: TrialExecutor) -> Runner:
    """Trials run to their end by ``executor`` (the way the search ran them), as
    candidates: a scheduled one runs its whole batch however loaded the machine."""
    candidates = executor.for_candidates()

    def run(spec: TargetSpec, config: TrialConfig, trial_timeout: float) -> TrialRecord:
        return run_trial(spec, config, trial_timeout=trial_timeout, executor=candidates)

    return run


_run = runner_for(FORKED_THREADS)


@dataclass
class ShrinkResult:
    """The smallest failing configuration found, and how reliably it fails."""

    original: TrialConfig
    config: TrialConfig
    record: TrialRecord  # a run of ``config`` that showed the category
    category: str
    steps: list[str] = field(default_factory=list)  # simplifications kept, in order
    runs: int = 0  # trials run while shrinking (the measurement not included)
    reproduced: int = 0
    measured: int = 0
    elapsed: float = 0.0

    @property
    def replay_status(self) -> str:
        """``reproduced`` (every re-run), ``flaky``, ``not reproduced`` or ``not measured``."""
        if not self.measured:
            return "not measured"
        if self.reproduced == self.measured:
            return "reproduced"
        return "flaky" if self.reproduced else "not reproduced"

    @property
    def replay_note(self) -> str | None:
        """What the verdict line appends when a replay may not show the defect, or None.

        ``replay: not reproduced in N runs`` when no re-run showed it, ``replay: flaky,
        reproduced r/N re-runs`` when only some did: a reader of the first line alone
        must not take the replay line for a reproduction.
        """
        status = self.replay_status
        if status == "not reproduced":
            return f"replay: not reproduced in {self.measured} runs"
        if status == "flaky":
            return f"replay: flaky, reproduced {self.reproduced}/{self.measured} re-runs"
        return None

    def advice(self, *, api: bool = False) -> str | None:
        """What to do when the re-runs did not always show the defect (``api``: the
        reader calls ``check``, whose options are keywords), or None."""
        status = self.replay_status
        if status not in ("not reproduced", "flaky"):
            return None
        budget = "a longer budget=" if api else "a longer --budget"
        runs = "check(..., replay=...)" if api else "the replay line (--replay)"
        mode = 'with mode="scheduled"' if api else "with --mode scheduled"
        return (
            f"re-run {runs}: it tries the trial up to {REPLAY_RUNS} times and stops at "
            f"the first that shows the defect; or search again with {budget} (more "
            "trials find a rare race again, and more re-runs measure it); for a replay "
            f"that is exact every time, search {mode}: the deterministic mode records the "
            "interleaving itself"
        )

    @property
    def rate_text(self) -> str:
        """How the re-runs went, said plainly: a 0/N must not read like a reproduction."""
        status = self.replay_status
        if status == "not measured":
            return "reproduced: not measured (no budget left)"
        if status == "not reproduced":
            return (
                f"not reproduced in {self.measured} re-runs: the defect showed once, under "
                "an interleaving the re-runs did not meet again"
            )
        text = f"reproduced {self.reproduced}/{self.measured} re-runs"
        if status == "flaky":
            text += " (flaky: a replay may pass)"
        return text

    def lines(self, *, api: bool = False) -> list[str]:
        """What a report says about shrinking, first thing in its details (no line
        starts ``replay:``: that is the contract's replay line, printed once)."""
        strategy = getattr(self.original, "strategy", "timing")
        found = f"found by strategy {strategy} at trial k={self.original.k}"
        advice = self.advice(api=api)
        todo = [f"what to do: {advice}"] if advice else []
        if not self.steps:
            why = "no simpler configuration showed it" if self.runs else "no budget left"
            return [f"{self.rate_text}; {found}; not shrunk ({why})", *todo]
        original = json.dumps(self.original.to_json(), sort_keys=True, separators=(",", ":"))
        return [
            f"{self.rate_text}; {found}; shrunk in {self.runs} run(s): {', '.join(self.steps)}",
            *todo,
            f"found as config: {original}",
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "steps": self.steps,
            "runs": self.runs,
            "reproduced": self.reproduced,
            "measured": self.measured,
            "replay": self.replay_status,
            "elapsed": round(self.elapsed, 3),
        }


def shrink(
    spec: TargetSpec,
    record: TrialRecord,
    *,
    deadline: float,
    trial_timeout: float,
    attempts: int = ATTEMPTS,
    measure: int = MEASURE,
    run: Runner = _run,
) -> ShrinkResult:
    """Shrink ``record``'s configuration (a defect, category set) before ``deadline``."""
    if record.category is None:
        raise ValueError("only a failing trial can be shrunk")
    start = time.monotonic()
    result = ShrinkResult(record.config, record.config, record, record.category)
    exact = record.exact_config is not None
    if exact:  # the same config meets the same schedules: a second attempt adds nothing
        attempts, measure = 1, min(measure, EXACT_MEASURE)
    # A candidate's hang need not be waited out as long as the report's: the watchdog
    # still confirms it (a quiet look of its own), so the re-runs use the short timeout.
    # Not under the scheduler: a deadlock there is found at once, in virtual time, and a
    # short timeout only left a loaded machine too little real time for a candidate's
    # schedules (a loaded 3.14t reported a two-thread deadlock at 3 workers).
    quick = result.category == "HANG" and not exact
    quick_timeout = min(trial_timeout, QUICK_HANG) if quick else trial_timeout
    cost = max(record.wall, record.duration, 0.05)
    if result.category == "HANG":  # what a re-run with the short timeout costs
        cost = min(cost, quick_timeout + HANG_LOOK)
    # Costly trials (hangs) get fewer measuring re-runs, but never fewer than two.
    measure = max(min(measure, 2), min(measure, int(0.4 * (deadline - start) / cost)))
    shrink_until = deadline - measure * cost
    shape = spec.form.shrinks_shape  # a fixed pipeline keeps its own shape
    tried = {config_key(record.config)}
    progress = not _take_childs_shrink(result, record, tried)
    while progress and time.monotonic() < shrink_until:
        progress = False
        for step, candidate in candidates(result.config, shape=shape, category=result.category):
            if candidate is None or config_key(candidate) in tried:
                continue
            if time.monotonic() >= shrink_until:
                break
            tried.add(config_key(candidate))
            failing = _fails(
                spec,
                candidate,
                result,
                attempts=attempts,
                until=shrink_until,
                trial_timeout=quick_timeout,
                run=run,
            )
            if failing is not None:
                result.config, result.record = candidate, failing
                result.steps.append(step)
                progress = not _take_childs_shrink(result, failing, tried)
                break
    if exact and result.record.counts.get("replay_exact") == 1:
        result.measured = result.reproduced = 1  # its confirming replay, in a fresh child
    while result.measured < measure:
        if time.monotonic() >= deadline:
            break
        try:  # a scheduled defect: its own schedule (see the module's invariants)
            again = run(spec, result.record.exact_config or result.config, quick_timeout)
        except (UsageError, InternalError):
            break  # measured what could be; the report stands on the search's own run
        if again.starved:
            continue  # no evidence either way: the machine gave its threads no CPU
        result.measured += 1
        result.reproduced += _shows(again, result.category)
    result.elapsed = time.monotonic() - start
    return result


def _take_childs_shrink(result: ShrinkResult, record: TrialRecord, tried: set[str]) -> bool:
    """Take what ``record``'s child shrank (the deterministic mode shrinks in the trial's
    child, a batch of schedules a candidate, and replays the schedule it reached in a
    fresh child); True when that child finished, so nothing is left to try here."""
    if record.shrunk is None or record.exact_config is None:
        return False
    result.config = _schedule_free(record.exact_config)
    result.steps.extend(record.shrunk.steps)
    result.runs += record.shrunk.runs
    tried.add(config_key(result.config))
    return record.shrunk.finished


def _schedule_free(config: TrialConfig) -> TrialConfig:
    """``config`` without a replay's schedule: the configuration a search would run."""
    return dataclasses.replace(config, decisions=None, python="", source="", points="sync")


def _shows(record: TrialRecord, category: str) -> bool:
    """Whether ``record`` shows ``category``: a *starved* HANG does not (its threads were
    runnable but given almost no CPU, no evidence of a hang; the search counts it a slow
    pass).  A loaded 3.14t's shrink took such a candidate for the hang and reported it,
    its details saying "no evidence of a hang", with nothing measured."""
    return record.category == category and not record.starved


def _fails(
    spec: TargetSpec,
    config: TrialConfig,
    result: ShrinkResult,
    *,
    attempts: int,
    until: float,
    trial_timeout: float,
    run: Runner,
) -> TrialRecord | None:
    """A run of ``config`` showing ``result.category`` within ``attempts``, or ``None``."""
    for _ in range(attempts):
        if time.monotonic() >= until:
            return None
        try:
            record = run(spec, config, trial_timeout)
        except (UsageError, InternalError):
            return None  # this candidate is no trial the target (or harness) can run
        result.runs += 1
        if _shows(record, result.category):
            return record
        if record.skipped:
            return None  # the target does not take this shape
    return None
