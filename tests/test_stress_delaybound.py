"""The harness's own delay in one trial is bounded, whatever the form, item count and
schedule, so it never reports a correct pipeline hung for the harness's own sleeps.

Found on unseen code: a fixed pipeline with a one-thread stage and a few hundred items
drew ``sibling_slow``; the fixed form replaced the item count after the core draw had
capped the slow calls for its own (smaller) count, so the harness slept about 8 s on
that one thread and reported HANG at 7 s.  Two guards, each tested here: the draw caps
the deliberate slowness for the count a trial really has (both forms), and at run time
every noise delay is granted from one budget per trial (``Workload.grant``) whose total
the watchdog also adds to the trial timeout.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stress.core.config import SCHEDULES, SLOW_TOTAL_MS, SearchOptions, TrialConfig, draw
from stress.core.power import OUTLIVE_S
from stress.forms.fixed.form import make_fixed
from stress.forms.targets import parse_target
from stress.forms.workload import NOISE_SHARE, Workload
from stress.trial import watchdog
from stress.trial.execution import run_trial

pytestmark = pytest.mark.smoke

TIMEOUT = 1.0
FIXED_TARGET = "tests.zoo.fixed_correct_one_thread:pipeline"
_FIXED_OPTIONS = SearchOptions()


def _fixed_spec() -> Any:
    return make_fixed(
        parse_target(FIXED_TARGET),
        fixed=True,
        patch=["tests.zoo.fixed_correct_one_thread:normalise"],
        expect="tests.zoo.fixed_correct_one_thread:expected",
        options=_FIXED_OPTIONS,
    )


def _slow_calls(config: TrialConfig) -> int:
    """How many calls a shutdown-aimed schedule slows, at worst (one thread makes all)."""
    if config.schedule == "sibling_slow":
        return config.items
    if config.schedule == "last_slow":
        return min(config.items, 3)
    return 1 if config.schedule == "first_slow" else 0


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32), k=st.integers(0, 10**6), fixed=st.booleans())
def test_the_drawn_slowness_is_bounded_for_the_count_a_trial_has(
    seed: int, k: int, fixed: bool
) -> None:
    spec = _fixed_spec() if fixed else None
    config = spec.form.draw(seed, k, _FIXED_OPTIONS) if spec else draw(seed, k, SearchOptions())
    per_call_cap = SLOW_TOTAL_MS / max(1, config.items) + 1e-3  # the draw rounds to 1 us
    assert config.slow_ms <= per_call_cap
    assert _slow_calls(config) * config.slow_ms <= 3 * SLOW_TOTAL_MS + 1.0


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32), k=st.integers(0, 10**6), fixed=st.booleans())
def test_the_injected_delay_of_every_drawn_trial_is_bounded(seed: int, k: int, fixed: bool) -> None:
    """Every delay a trial asks for goes through the grant; one thread making every call
    (the worst case) is granted at most the noise budget plus the deliberate calls."""
    spec = _fixed_spec() if fixed else None
    config = spec.form.draw(seed, k, _FIXED_OPTIONS) if spec else draw(seed, k, SearchOptions())
    config = dataclasses.replace(config, items=max(config.items, 300))  # many calls
    workload = Workload(config)
    workload.set_timeout(TIMEOUT, 0.7)
    asked = 0.0
    for stage in range(config.stages):
        for n in range(config.items):
            seconds = workload.delay_seconds(stage, n)
            asked += seconds
            workload.grant(seconds, deliberate=config.schedule == "outlive")
    assert workload.noise_spent <= NOISE_SHARE * TIMEOUT + 1e-9
    deliberate = OUTLIVE_S if config.schedule == "outlive" else 0.0
    assert workload.injected[0] <= NOISE_SHARE * TIMEOUT + deliberate + 1e-9
    assert workload.injected[0] <= asked + 1e-9


def _one_thread_config(schedule: str, **changes: Any) -> TrialConfig:
    base = draw(11, 0, SearchOptions(stages=2, workers=(1,), faults=False, awkward=False))
    fields: dict[str, Any] = {
        "items": 300,
        "schedule": schedule,
        "slow_ms": 30.0,  # what the fixed form drew before its count was applied
        "slow_stage": 0,
        "delay_us": 200.0,
        "spin": 0.0,
        "stall_ms": 0.0,
        "strategy": "timing",
        "preempt": 0.0,
        "fault_stage": None,
        "fault_call": 0,
    }
    fields.update(changes)
    return dataclasses.replace(base, **fields)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_one_thread_stage_with_hundreds_of_items_passes_every_schedule(schedule: str) -> None:
    """The config is the one that was reported HANG (30 ms on each of 300 calls of one
    thread), made directly, so the run-time budget is what keeps it in time."""
    config = _one_thread_config(schedule)
    record = run_trial(
        parse_target("tests.zoo.correct_one_thread_stage:pipeline"), config, trial_timeout=TIMEOUT
    )
    assert record.category is None, (record.summary, record.details[:20])
    deliberate_ms = OUTLIVE_S * 1000 if schedule == "outlive" else 0.0
    assert record.counts["harness_delay_ms"] <= NOISE_SHARE * TIMEOUT * 1000 + deliberate_ms + 1


def test_a_fixed_one_thread_pipeline_passes_the_draws_that_slowed_one_sibling() -> None:
    """Fixed-form trials as the search draws them: ``sibling_slow`` with many items,
    where the core draw's slow calls, made for its own item count, would sum to 3 s."""
    spec = _fixed_spec()
    core_options = dataclasses.replace(_FIXED_OPTIONS, stages=1, workers=(1,))
    chosen = []
    for k in range(4000):
        config = spec.form.draw(7, k, _FIXED_OPTIONS)
        core_slow_ms = draw(7, k, core_options).slow_ms
        if (
            config.schedule == "sibling_slow"
            and core_slow_ms * config.items > 3000.0
            and not config.stall_ms
        ):
            chosen.append(dataclasses.replace(config, preempt=0.0, strategy="timing"))
        if len(chosen) == 3:
            break
    assert len(chosen) == 3
    for config in chosen:
        record = run_trial(spec, config, trial_timeout=TIMEOUT)
        assert record.category is None, (config, record.summary, record.details[:20])
        assert record.counts["harness_delay_ms"] <= NOISE_SHARE * TIMEOUT * 1000 + 1


class _DelayedTrial:
    """A still call whose only wait is the harness's own (``injected`` keeps growing)."""

    def __init__(self) -> None:
        self.workload = self
        self.stalling = [0]
        self.injected = [0.0]
        self.report: dict[str, Any] = {}
        self.reported = threading.Event()

    def progress(self) -> int:
        return 0

    def report_hang(self, **fields: Any) -> None:
        self.report = fields
        self.reported.set()


def test_the_watchdog_adds_the_harness_delay_to_the_trial_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watchdog, "CONFIRM_MAX", 0.2)
    monkeypatch.setattr(watchdog, "PROOF_SAMPLES", 10**6)  # no proof: the timeout decides
    trial = _DelayedTrial()
    trial.injected[0] = 0.6  # the harness has slept 0.6 s of this call
    dog = watchdog.Watchdog(trial, timeout=0.1)
    dog.start()
    try:
        assert trial.reported.wait(30.0), "the watchdog never reported"
    finally:
        dog.finished.set()
    assert trial.report["waited"] >= 0.1 + 0.6
