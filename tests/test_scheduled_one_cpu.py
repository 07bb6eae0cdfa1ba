"""A scheduled trial's child runs on one CPU (free-threaded builds too); a real-threads
trial never does.

Under the scheduler one thread runs at a time, and each hand-over woken on the other
CPU costs an inter-processor wake-up: pinned, countdown 2x2's schedules run twice as
fast on 3.11 and 3.14t (reports/bench/sched_core.py, --no-pin to compare).  The
probes lose their results when their process is (not) on one CPU, so a wrong
placement is a LOST report.
"""

from __future__ import annotations

import os

import pytest

from stress.core.config import SearchOptions
from stress.forms.targets import parse_target
from stress.scheduled import one_cpu
from stress.search.engine import SearchResult, search
from stress.trial.controlled import SCHEDULED
from stress.trial.execution import FORKED_THREADS, TrialExecutor, run_trial, wait_any
from tests.affinity_probe import EXPECTED_CPU_ENV
from tests.stress_helpers import run_python

MANY_CPUS = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2
PROBES = "tests.affinity_probe"

pytestmark = pytest.mark.skipif(not MANY_CPUS, reason="one CPU: nothing to pin")


def _search(probe: str, executor: TrialExecutor) -> SearchResult:
    return search(
        parse_target(f"{PROBES}:{probe}"),
        seed=0,
        budget=1.0,
        trial_timeout=2.0,
        options=SearchOptions(),
        executor=executor,
    )


def test_a_scheduled_trial_runs_on_one_cpu() -> None:
    result = _search("lose_unless_on_one_cpu", SCHEDULED)
    assert result.mode == "scheduled", result.fallback
    assert result.defect is None, "\n".join(result.defect.details)
    assert result.trials >= 1


def test_a_real_threads_trial_runs_on_every_cpu() -> None:
    result = _search("lose_if_on_one_cpu", FORKED_THREADS)
    assert result.mode == "threads"
    assert result.defect is None, "\n".join(result.defect.details)
    assert result.trials >= 1


def test_pin_keeps_one_allowed_cpu_and_says_which() -> None:
    done = run_python(
        "-c",
        "import os; from stress.scheduled import one_cpu; "
        "cpu = one_cpu.pin(); print(cpu, sorted(os.sched_getaffinity(0)))",
    )
    cpu, allowed = done.stdout.split(" ", 1)
    assert allowed.strip() == f"[{cpu}]"
    assert int(cpu) in os.sched_getaffinity(0)
    assert one_cpu._current_cpu() in os.sched_getaffinity(0)


def test_the_allotment_spreads_running_trials_over_the_cpus() -> None:
    allotment = one_cpu.Allotment()
    allowed = one_cpu.allowed_cpus()
    taken = [allotment.take() for _ in allowed]
    assert sorted(cpu for cpu in taken if cpu is not None) == allowed  # one each first
    again = allotment.take()
    assert again == allowed[0]
    allotment.give(allowed[1])
    assert allotment.take() == allowed[1]  # the CPU given back is the least held
    allotment.give(None)  # nothing taken (one CPU, or no affinity call): nothing to give


def test_two_scheduled_trials_at_once_keep_to_two_cpus_and_give_them_back() -> None:
    spec = parse_target(f"{PROBES}:lose_if_on_one_cpu")
    config = SCHEDULED.assign(spec.form.draw(0, 0, SearchOptions()), SearchOptions(), shape=True)
    held = dict(one_cpu.ALLOTMENT.held)
    first = SCHEDULED.start(spec, config, trial_timeout=2.0, ready_timeout=5.0)
    second = SCHEDULED.start(spec, config, trial_timeout=2.0, ready_timeout=5.0)
    try:
        assert first.cpu is not None
        assert second.cpu is not None
        assert first.cpu != second.cpu
    finally:
        first.abandon()
        second.abandon()
    for probe, category in (("lose_unless_on_one_cpu", None), ("lose_if_on_one_cpu", "LOST")):
        ended = SCHEDULED.start(
            parse_target(f"{PROBES}:{probe}"), config, trial_timeout=2.0, ready_timeout=5.0
        )
        try:
            while (record := ended.poll()) is None:  # to its end: its record gives it back
                wait_any([ended])
            assert record.category == category
            assert {c: n for c, n in one_cpu.ALLOTMENT.held.items() if n} == {
                c: n for c, n in held.items() if n
            }
        finally:
            ended.abandon()
    assert {c: n for c, n in one_cpu.ALLOTMENT.held.items() if n} == {
        c: n for c, n in held.items() if n
    }


def test_each_trial_s_child_runs_on_the_cpu_its_parent_allotted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One trial on each CPU, each child told (through the fork) that it is on another
    one: a child that kept to the CPU it is on instead of its allotted one (a forked
    child starts on its parent's) runs elsewhere and loses its results."""
    spec = parse_target(f"{PROBES}:lose_unless_on_the_allotted_cpu")
    config = SCHEDULED.assign(spec.form.draw(0, 0, SearchOptions()), SearchOptions(), shape=True)
    allowed = one_cpu.allowed_cpus()
    for cpu, elsewhere in zip(allowed, allowed[1:] + allowed[:1], strict=True):
        monkeypatch.setattr(one_cpu.ALLOTMENT, "take", lambda cpu=cpu: cpu)
        monkeypatch.setattr(one_cpu, "_current_cpu", lambda elsewhere=elsewhere: elsewhere)
        monkeypatch.setenv(EXPECTED_CPU_ENV, str(cpu))
        record = run_trial(spec, config, trial_timeout=2.0, executor=SCHEDULED)
        assert record.category is None, (cpu, record.summary)
