"""The search's portfolio (:mod:`stress.core.power`): strategies drawn purely from (seed, k),
recorded in the config and its replay token; the timing extremes; preemption active in
a trial's child."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from stress.core.config import SearchOptions, TrialConfig, draw
from stress.core.power import OUTLIVE_S, extreme_delay
from stress.faces.report import make_token, parse_token
from stress.forms.targets import parse_target
from stress.trial.execution import run_trial
from stress.trial.preempt import INCLUDE_ENV, plan

OPTIONS = SearchOptions()


def test_the_draw_stays_a_pure_function_of_seed_and_k() -> None:
    for k in range(50):
        assert draw(7, k, OPTIONS) == draw(7, k, OPTIONS)


def test_every_strategy_is_drawn_and_recorded_in_the_token() -> None:
    configs = [draw(3, k, OPTIONS) for k in range(600)]
    counts = Counter(c.strategy for c in configs)
    assert set(counts) == {"timing", "preempt-lines", "preempt-ops", "burst", "outlive"}
    assert counts["timing"] > 200
    assert counts["preempt-lines"] + counts["preempt-ops"] > 180
    for config in configs:
        assert parse_token(make_token(config)) == config
        assert (config.preempt > 0) == config.strategy.startswith("preempt")
        assert (plan(config) is not None) == (config.preempt > 0)


def test_outlive_puts_a_fault_beside_a_call_longer_than_the_leak_grace() -> None:
    outlive = [c for c in (draw(5, k, OPTIONS) for k in range(800)) if c.strategy == "outlive"]
    assert outlive
    for config in outlive:
        assert config.schedule == "outlive"
        assert config.fault_stage is not None
        assert config.fault_call == 0
        long_calls = [
            (stage, n)
            for stage in range(config.stages)
            for n in range(3)
            if extreme_delay(config, stage, n) == OUTLIVE_S
        ]
        assert len(long_calls) == 1
        assert long_calls[0] != (config.fault_stage, config.fault_call)
    assert OUTLIVE_S > 1.0  # the contract's grace


def test_no_faults_means_no_outlive_and_no_fault() -> None:
    options = SearchOptions(faults=False)
    for k in range(300):
        config = draw(5, k, options)
        assert config.strategy != "outlive"
        assert config.fault_stage is None


def test_a_burst_ends_every_call_on_the_same_tick() -> None:
    config = TrialConfig(seed=0, k=0, workers=(3,), items=4, schedule="burst", delay_us=2000.0)
    for n in range(3):
        now = time.monotonic()
        wait = extreme_delay(config, 0, n)
        assert 0 < wait <= 0.002
        assert abs(((now + wait) / 0.002) - round((now + wait) / 0.002)) < 0.01


def test_old_tokens_without_the_new_fields_still_replay() -> None:
    config = TrialConfig(seed=1, k=2, workers=(2, 2), items=3)
    data = config.to_json()
    for name in ("strategy", "preempt", "preempt_hold_us", "preempt_ops"):
        del data[name]
    assert TrialConfig.from_json(data) == config


def test_a_trial_child_preempts_the_target_and_counts_it() -> None:
    config = TrialConfig(
        seed=1,
        k=2,
        workers=(3, 3),
        items=30,
        strategy="preempt-ops",
        preempt=0.1,
        preempt_hold_us=50.0,
        preempt_ops=True,
    )
    record = run_trial(parse_target("countdown"), config, trial_timeout=5.0)
    assert record.category is None, record.summary
    assert record.counts["preempt_points"] > 0
    assert record.counts["preempt_events"] > record.counts["preempt_points"]
    plain = run_trial(parse_target("countdown"), TrialConfig(seed=1, k=2, workers=(3,), items=3))
    assert "preempt_points" not in plain.counts


def test_preempting_in_more_code_is_an_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    config = TrialConfig(seed=0, k=0, workers=(2,), items=2, preempt=0.1)
    chosen = plan(config)
    assert chosen is not None
    assert chosen.include == ()
    monkeypatch.setenv(INCLUDE_ENV, os.pathsep.join(["/opt/lib", "/srv/app"]))
    chosen = plan(config)
    assert chosen is not None
    assert chosen.include == ("/opt/lib", "/srv/app")
