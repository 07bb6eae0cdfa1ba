"""``--mode auto``, the default: a portfolio of real-threads and scheduled trials.

Trial k's executor is part of its configuration (a function of (seed, k)); both kinds
run in one search; a found trial's shrink and replay go to the executor that found it;
a target the scheduler cannot control makes the search fall back to real threads and
say so, as ``--mode scheduled`` does.
"""

from __future__ import annotations

import dataclasses

from stress.core.record import TrialRecord
from stress.core.simpler import small_first
from stress.faces.api import make_options, validate_mode
from stress.forms.targets import parse_target
from stress.search.engine import SearchResult, _config, search
from stress.search.shrink import runner_for
from stress.trial.controlled import SCHEDULED, SMALL_FIRST, under_the_scheduler
from stress.trial.execution import FORKED_THREADS, run_trial
from stress.trial.portfolio import PORTFOLIO, SCHEDULED_AT, SCHEDULED_EVERY
from tests.stress_helpers import run_stress

OPTIONS = make_options(stages=None, workers=None, max_items=8, faults=True, awkward=True)


def test_auto_is_the_portfolio_and_the_other_modes_are_single_executors() -> None:
    assert validate_mode("auto") is PORTFOLIO
    assert validate_mode("threads") is FORKED_THREADS
    assert validate_mode("scheduled") is SCHEDULED


def test_trial_k_runs_scheduled_one_time_in_eight_and_is_otherwise_the_threads_draw() -> None:
    spec = parse_target("countdown")
    for k in range(4 * SCHEDULED_EVERY):
        drawn = _config(spec, None, 7, k, options=OPTIONS, executor=FORKED_THREADS)
        assigned = _config(spec, None, 7, k, options=OPTIONS, executor=PORTFOLIO)
        assert assigned == _config(spec, None, 7, k, options=OPTIONS, executor=PORTFOLIO)
        if k % SCHEDULED_EVERY == SCHEDULED_AT:
            expected = under_the_scheduler(drawn)
            turn = k // SCHEDULED_EVERY  # its place among the scheduled trials
            if turn < SMALL_FIRST:  # the small scope (tests/test_scheduled_small_first.py)
                expected = small_first(expected, OPTIONS, shape=True, turn=turn)
            assert assigned == expected
            assert assigned.mode == "scheduled"
        else:
            assert assigned == drawn
            assert assigned.mode == "threads"


def test_one_search_runs_both_kinds_of_trial() -> None:
    modes: list[str] = []

    def seen(result: SearchResult, record: TrialRecord) -> None:
        modes.append(record.config.mode)

    result = search(
        parse_target("countdown"),
        seed=5,
        budget=3.0,
        trial_timeout=2.0,
        options=OPTIONS,
        on_trial=seen,
        executor=PORTFOLIO,
    )
    assert result.defect is None
    assert result.mode == "auto"
    assert "scheduled" in modes
    assert "threads" in modes
    assert modes.count("threads") >= modes.count("scheduled")  # (many more, unloaded)


def _trial(mode: str) -> TrialRecord:
    """Trial k = SCHEDULED_AT of countdown, run by the portfolio as ``mode`` says."""
    spec = parse_target("countdown")
    config = _config(spec, None, 1, SCHEDULED_AT, options=OPTIONS, executor=PORTFOLIO)
    assert config.mode == "scheduled"
    return run_trial(spec, dataclasses.replace(config, mode=mode), executor=PORTFOLIO)


def test_the_portfolio_runs_a_config_as_its_mode_says_not_as_its_k_would() -> None:
    """A shrink candidate (or a re-run) of a trial keeps the executor that ran it: the
    same k on real threads (after a fallback) stays on real threads."""
    assert _trial("scheduled").counts["schedules"] >= 1  # only a scheduled trial counts them
    assert "schedules" not in _trial("threads").counts
    spec = parse_target("countdown")
    config = _config(spec, None, 1, SCHEDULED_AT, options=OPTIONS, executor=PORTFOLIO)
    again = runner_for(PORTFOLIO)(spec, dataclasses.replace(config, mode="threads"), 2.0)
    assert "schedules" not in again.counts


def test_an_uncontrolled_target_falls_back_under_auto_and_says_so() -> None:
    pipe = "tests.zoo.correct_pipe_signal:pipeline"
    done = run_stress("run", pipe, "--budget", "4", "--seed", "1", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = done.stdout.splitlines()[:2]
    assert first.startswith("PASS "), first
    assert " mode=threads uncontrolled=" in first, first
    assert second.startswith("scheduled trials fell back to real threads"), second
