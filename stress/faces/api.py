"""``stress.check``: the Python API (CONTRACT.md section 4), and the campaign it shares
with the command line.

Invariant: :func:`campaign` is the one place that turns validated settings into a
search and a verdict (text, replay line, token); ``check`` and ``python -m stress run``
differ only in how they present it.  Every bad setting raises :class:`UsageError` with
the command line's one-line message, before any trial runs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stress.core.config import DEFAULT_MAX_ITEMS, SearchOptions, TrialConfig
from stress.core.errors import DefectFound, UsageError
from stress.core.record import TrialRecord
from stress.faces.report import defect_text, make_token, parse_token, pass_text
from stress.forms.fixed.form import make_fixed
from stress.forms.targets import TargetSpec, parse_target
from stress.search.engine import SearchResult, search
from stress.search.shrink import ShrinkResult, runner_for, shrink
from stress.search.twin import scheduled_twin
from stress.trial.controlled import SCHEDULED
from stress.trial.execution import FORKED_THREADS, TrialExecutor
from stress.trial.portfolio import EXECUTORS, PORTFOLIO

DEFAULT_BUDGET = 30.0
DEFAULT_TRIAL_TIMEOUT = 2.0
MODES = ("auto", "threads", "scheduled")
#: Shrinking and its reproduction count get what is left of the budget, capped at
#: SHRINK_SHARE of it, at most max(SHRINK_CAP, SHRINK_SHARE_LONG of it): a report should
#: come soon after a find (a default run reports a tutorial defect within 10 s).
SHRINK_SHARE = 0.5
SHRINK_CAP = 5.0
SHRINK_SHARE_LONG = 0.1


#: A find late in the search (its last trials) still gets up to SHRINK_FLOOR s to measure
#: how it reproduces, past the budget if need be, but ending no later than LATE_GRACE s
#: after it: a run started then lasts at most a trial timeout and a hang's look (1.3 s),
#: so the contract's bound (budget + trial timeout + 10 s) holds.
SHRINK_FLOOR = 3.0
LATE_GRACE = 5.0


def shrink_seconds(budget: float) -> float:
    """How long shrinking and measuring may take after a find in a search of ``budget``."""
    return min(SHRINK_SHARE * budget, max(SHRINK_CAP, SHRINK_SHARE_LONG * budget))


def shrink_deadline(*, started: float, budget: float, found: float) -> float:
    """When shrinking and measuring a defect found at ``found`` must end.

    Within the budget they get what is left of it, capped by :func:`shrink_seconds`; a
    find in the budget's last seconds (or after it: the last trial ran to its timeout)
    still gets ``min(SHRINK_FLOOR, shrink_seconds)``, so that its report says how it
    reproduces rather than "not measured", but never past ``started + budget +
    LATE_GRACE``.
    """
    share = shrink_seconds(budget)
    floor = min(started + budget + LATE_GRACE, found + min(SHRINK_FLOOR, share))
    return min(found + share, max(started + budget, floor))


@dataclass(frozen=True)
class CheckResult:
    """What a search that found no defect explored."""

    trials: int
    configurations: int
    seed: int
    skipped: int
    results_checked: bool = True


@dataclass
class Campaign:
    """A finished search and how to present it."""

    spec: TargetSpec
    result: SearchResult
    text: str  # the verdict exactly as the command line prints it
    token: str | None = None
    replay: str | None = None
    shrunk: ShrinkResult | None = None  # the defect's smallest reproduction, if shrunk

    def reproduction(self, *, replayed: bool) -> dict[str, Any] | None:
        """How often the reported trial showed its defect again (``--json``), if asked."""
        if replayed:  # the search itself re-ran the one trial up to REPLAY_RUNS times
            shown = self.result.defect is not None
            runs = self.result.trials
            return {
                "status": "reproduced" if shown else "not reproduced",
                "runs": runs,
                "reproduced": int(shown),
                "text": f"shown at run {runs}" if shown else f"not shown in {runs} runs",
                "note": None if shown else f"replay: not reproduced in {runs} runs",
                "advice": None
                if shown
                else "a rare race may need more runs: replay again, or search again with a "
                "longer budget; for a replay that is exact every time, search with "
                "--mode scheduled (the deterministic mode records the interleaving)",
            }
        if self.shrunk is None:
            return None
        return {
            "status": self.shrunk.replay_status,
            "runs": self.shrunk.measured,
            "reproduced": self.shrunk.reproduced,
            "text": self.shrunk.rate_text,
            "note": replay_note(self.result.defect, self.shrunk),  # as the verdict line says
            "advice": self.shrunk.advice(api=self.spec.kind == "callable"),
        }


def replay_note(record: TrialRecord | None, shrunk: ShrinkResult | None) -> str | None:
    """What the verdict line ends with in parentheses, or None: a measured re-run rate
    that is not every time, else ``replay: exact`` for a scheduled trial whose schedule
    replayed identically in a fresh child (see stress.trial.controlled)."""
    note = shrunk.replay_note if shrunk is not None else None
    if note is None and record is not None and record.counts.get("replay_exact") == 1:
        return "replay: exact"
    return note


def validate_mode(mode: str) -> TrialExecutor:
    """The executor ``--mode`` chooses (:mod:`stress.trial.execution`); ``UsageError`` if none."""
    if mode not in MODES:
        raise UsageError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    return EXECUTORS[mode]


def make_options(
    *,
    stages: int | None,
    workers: Sequence[int] | None,
    max_items: int,
    faults: bool,
    awkward: bool,
) -> SearchOptions:
    for name, value in (("stages", stages), ("max-items", max_items)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise UsageError(f"--{name} must be an int, not {value!r}")
    if stages is not None and stages < 1:
        raise UsageError(f"--stages must be >= 1, not {stages}")
    if max_items < 0:
        raise UsageError(f"--max-items must be >= 0, not {max_items}")
    widths: tuple[int, ...] | None = None
    if workers is not None:
        widths = tuple(workers)
        if not widths or any(
            isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths
        ):
            raise UsageError(f"--workers must be ints >= 1 (e.g. 5,5), not {list(workers)}")
        if stages is not None and len(widths) not in (1, stages):
            raise UsageError(f"--workers has {len(widths)} widths for --stages {stages}")
    return SearchOptions(
        stages=stages, workers=widths, max_items=max_items, faults=faults, awkward=awkward
    )


def validate_numbers(*, budget: float, trial_timeout: float, seed: int | None) -> None:
    for name, value in (("budget", budget), ("trial-timeout", trial_timeout)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise UsageError(f"--{name} must be a number of seconds > 0, not {value!r}")
        if value > 10**6:
            raise UsageError(f"--{name} must be at most 1000000 seconds, not {value!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise UsageError(f"--seed must be an int >= 0, not {seed!r}")


def campaign(
    spec: TargetSpec,
    *,
    budget: float,
    seed: int | None,
    trial_timeout: float,
    options: SearchOptions,
    replay: TrialConfig | None,
    on_trial: Callable[..., None] | None = None,
    executor: TrialExecutor = FORKED_THREADS,
) -> Campaign:
    """Search (or replay); shrink a defect within what is left of the budget; render.

    The verdict names the shrunk configuration (same category, re-checked) and how
    often it reproduced; ``result.defect`` becomes its failing run.
    """
    chosen = seed if seed is not None else secrets.randbelow(2**31)
    started = time.monotonic()
    if replay is not None:  # the token says how its trial ran
        executor = SCHEDULED if replay.mode == "scheduled" else FORKED_THREADS
    result = search(
        spec,
        seed=chosen,
        budget=budget,
        trial_timeout=trial_timeout,
        options=options,
        replay=replay,
        on_trial=on_trial,
        executor=executor,
    )
    record = result.defect
    if record is None:
        text = pass_text(
            trials=result.trials,
            configurations=result.configurations,
            seed=result.seed,
            skipped=result.skipped,
            results_checked=result.results_checked,
            errors_checked=result.errors_checked,
            mode=result.mode,
            uncontrolled=result.uncontrolled,
            fallback=result.fallback,
        )
        if replay is not None and not result.interrupted:
            text += " replay=not-reproduced"  # a replay that never showed its defect
        return Campaign(spec, result, text)
    shrunk = None
    if replay is None and not result.interrupted:
        try:
            until = shrink_deadline(started=started, budget=budget, found=time.monotonic())
            # A real-threads find of an auto search that kept the scheduler (after a
            # fallback the target is one it cannot control): is its schedule exact?
            if executor is PORTFOLIO and not result.fallback:
                twin = scheduled_twin(spec, record, trial_timeout=trial_timeout, until=until)
                record = result.defect = twin or record
            shrunk = shrink(
                spec, record, deadline=until, trial_timeout=trial_timeout, run=runner_for(executor)
            )
        except KeyboardInterrupt:
            result.interrupted = True
        else:
            record = result.defect = shrunk.record
            record.details = [*shrunk.lines(api=spec.kind == "callable"), *record.details]
    if record.exact_config is not None:  # the deterministic mode: replay its schedule
        record.config = record.exact_config
    record = result.defect = spec.form.seal(record)
    token = make_token(record.config)
    extra = ""
    if trial_timeout != DEFAULT_TRIAL_TIMEOUT:
        extra = (
            f"trial_timeout={trial_timeout!r}"
            if spec.kind == "callable"
            else f"--trial-timeout {trial_timeout:g}"
        )
    joiner = ", " if spec.kind == "callable" else " "
    form_options = spec.form.replay_options(spec.kind)
    extra = joiner.join(part for part in (form_options, extra) if part)
    replay_line = spec.replay_line(token, extra)
    note = replay_note(record, shrunk)
    text = defect_text(record, seed=result.seed, replay=replay_line, form=spec.form, note=note)
    return Campaign(spec, result, text, token, replay_line, shrunk)


def check(
    target: Callable[..., Any] | str,
    *,
    budget: float = DEFAULT_BUDGET,
    seed: int | None = None,
    faults: bool = True,
    awkward: bool = True,
    mode: str = "auto",
    replay: str | None = None,
    trial_timeout: float = DEFAULT_TRIAL_TIMEOUT,
    stages: int | None = None,
    workers: Sequence[int] | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    fixed: bool | None = None,
    expect: Callable[[Any], Any] | str | None = None,
    patch: Sequence[str] | str = (),
    items: object = None,
) -> CheckResult:
    """Stress ``target``; return what was explored, or raise :class:`DefectFound`.

    ``target``: a callable (closures included: trials run in forked children), a
    ``"module:attribute"`` string, or a ``reference`` variant name.  Trials run in
    child processes, so a hanging or leaking target cannot hang the caller.
    Bad use raises :class:`UsageError` (a ``ValueError``).  ``KeyboardInterrupt``
    stops the search and propagates.
    """
    executor = validate_mode(mode)
    validate_numbers(budget=budget, trial_timeout=trial_timeout, seed=seed)
    options = make_options(
        stages=stages, workers=workers, max_items=max_items, faults=faults, awkward=awkward
    )
    spec = make_fixed(
        parse_target(target),
        fixed=fixed,
        expect=expect,
        patch=patch,
        items=items,
        options=options,
    )
    replay_config = parse_token(replay) if replay is not None else None
    done = campaign(
        spec,
        budget=budget,
        seed=seed,
        trial_timeout=trial_timeout,
        options=options,
        replay=replay_config,
        executor=executor,
    )
    result = done.result
    if result.interrupted:
        raise KeyboardInterrupt
    record = result.defect
    if record is not None:
        assert record.category is not None
        assert done.token is not None
        assert done.replay is not None
        raise DefectFound(
            done.text,
            category=record.category,
            config=record.config.to_json(),
            seed=result.seed,
            token=done.token,
            replay=done.replay,
            reproduction=done.reproduction(replayed=replay_config is not None),
        )
    return CheckResult(
        trials=result.trials,
        configurations=result.configurations,
        seed=result.seed,
        skipped=result.skipped,
        results_checked=result.results_checked,
    )
