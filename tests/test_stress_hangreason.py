"""A HANG's reason matches its dump, for the waits real pipelines end in.

Found on unseen code: a fixed pipeline whose caller waits, alone with idle workers, in
``Queue.join()`` for tasks whose workers died was reported only after 7 s, as
"threads were still running or stage calls still advancing (livelock, or far too
slow)", while the dump showed every thread waiting.  The cause: under the fixed form's
pressure, the harness's own waits (the watchdog's ticks) were counted as the target's
synchronisation progress, so the call never looked still.
"""

from __future__ import annotations

import dataclasses

import pytest

from stress.core.config import EVERY_CALL, SearchOptions, TrialConfig
from stress.forms.fixed.form import make_fixed
from stress.forms.targets import parse_target
from stress.trial.execution import run_trial

pytestmark = pytest.mark.smoke

ZOO = "tests.zoo.fixed_hang_join_dead_workers"
PROVEN = "proven before the trial timeout"


@pytest.mark.parametrize(
    "fault_call", [3, EVERY_CALL], ids=["one-worker-dies", "caller-left-alone"]
)
def test_a_fixed_caller_in_queue_join_with_dead_workers_is_a_proven_deadlock(
    fault_call: int,
) -> None:
    spec = make_fixed(
        parse_target(f"{ZOO}:pipeline"),
        fixed=True,
        patch=[f"{ZOO}:enrich"],
        expect=f"{ZOO}:enrich",
        options=SearchOptions(),
    )
    base = spec.form.draw(5, 0, SearchOptions())
    config: TrialConfig = dataclasses.replace(
        base,
        items=max(base.items, 12),
        fault_stage=0,
        fault_call=fault_call,
        schedule="zero",
        stall_ms=0.0,
        strategy="timing",
        preempt=0.0,
    )
    record = run_trial(spec, config, trial_timeout=2.0)
    assert record.category == "HANG", (record.summary, record.details[:20])
    reason = next(line for line in record.details if line.startswith("no return after"))
    assert PROVEN in reason, reason
    assert "still advancing" not in reason


# -- the waits real pipelines end in, each proven, with the reason matching the dump -------
#: Far past how long these tests may run: a HANG seen here was proven.
LONG_TIMEOUT = 120.0
ENDINGS = [
    "queue_join_alone",
    "thread_join",
    "future_result",
    "futures_wait",
    "futures_as_completed",
    "executor_shutdown",
]


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_pipeline_ending_in_this_wait_is_a_proven_deadlock(ending: str) -> None:
    config = TrialConfig(seed=1, k=0, workers=(2,), items=2, schedule="zero")
    record = run_trial(
        parse_target(f"tests.zoo.hang_endings:{ending}"), config, trial_timeout=LONG_TIMEOUT
    )
    assert record.category == "HANG", (record.summary, record.details[:30])
    reason = next(line for line in record.details if line.startswith("no return after"))
    assert PROVEN in reason, "\n".join(record.details[:40])
    assert "still running" not in reason
    assert not record.unconfirmed
    assert any(line.startswith("who waits on what:") for line in record.details)


# -- join-based shutdown: the caller left alone in Queue.join() ------------------------------
JOIN_CONFIGS = {
    "one-stage": TrialConfig(
        seed=1, k=0, workers=(2,), items=4, fault_stage=0, fault_call=0, schedule="zero"
    ),
    "second-stage": TrialConfig(
        seed=1, k=0, workers=(2, 3), items=5, fault_stage=1, fault_call=2, schedule="zero"
    ),
}


@pytest.mark.parametrize("config", sorted(JOIN_CONFIGS))
def test_a_caller_alone_in_queue_join_is_proven_and_named(config: str) -> None:
    """Workers died (one on the stage error, the others drained the queue and left): the
    reason says proven, not "still running", and the dump names the queue's join."""
    spec = parse_target("tests.zoo.broken_hang_join_dead_workers:pipeline")
    record = run_trial(spec, JOIN_CONFIGS[config], trial_timeout=LONG_TIMEOUT)
    assert record.category == "HANG", (record.summary, record.details[:30])
    reason = next(line for line in record.details if line.startswith("no return after"))
    assert PROVEN in reason, "\n".join(record.details[:40])
    assert "still running" not in reason
    assert "still advancing" not in reason
    summary = record.details[record.details.index("who waits on what:") + 1]
    assert "join of queue.Queue" in summary, summary
    assert "unfinished tasks=1" in summary, summary
    assert summary.endswith("<- 1 thread(s): 'MainThread'"), summary
    threads = [line for line in record.details if line.startswith("Thread ")]
    assert len(threads) == 1, threads  # the caller alone


@pytest.mark.parametrize("config", sorted(JOIN_CONFIGS))
def test_the_same_shape_done_right_passes_the_same_trials(config: str) -> None:
    spec = parse_target("tests.zoo.correct_join_drain:pipeline")
    record = run_trial(spec, JOIN_CONFIGS[config], trial_timeout=LONG_TIMEOUT)
    assert record.category is None, (record.summary, record.details[:30])
