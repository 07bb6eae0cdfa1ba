"""What the scheduler reports about runs that cannot complete.

A deadlock is reported the moment every thread is blocked, with a wait-for table
and the cycle; a thread blocked on something the scheduler does not control (a pipe
read) marks the run uncontrolled within a bounded real-time wait, never a pass; a
thread that only computes for that long is given longer.
"""

from __future__ import annotations

from stress.scheduled.child import run_job

CHILD_TIMEOUT = 120.0


def test_a_lock_order_deadlock_is_reported_at_once_with_the_wait_for_table() -> None:
    runs = run_job(
        "tests.sched_jobs:scenario",
        {"name": "lock_order_deadlock", "seeds": [1, 2, 3]},
        timeout=CHILD_TIMEOUT,
    )
    for run in runs:
        assert run["status"] == "deadlock", run["report"]
        # Proven the moment all block: no timeout waited, not even in virtual time (a
        # real-time bound here was a timed assertion, and failed on a loaded 3.14t).
        assert run["virtual_time"] == 0.0
        assert sorted(name.split()[0] for name in run["cycle"]) == ["one", "two"]
        rows = {row["thread"].split()[0]: row for row in run["waits"]}
        assert rows["one"]["holder"].startswith("two")
        assert rows["two"]["holder"].startswith("one")
        assert rows["one"]["at"].endswith("in take")
        assert rows["caller"]["call"] == "Thread.join (one)"


def test_a_lock_order_race_without_a_gate_is_found_by_some_schedule() -> None:
    runs = run_job(
        "tests.sched_jobs:scenario",
        {"name": "lock_order_race", "seeds": list(range(300))},
        timeout=CHILD_TIMEOUT,
    )
    statuses = {run["status"] for run in runs}
    assert statuses == {"completed", "deadlock"}


def test_a_pipe_read_marks_the_run_uncontrolled_never_a_pass() -> None:
    (run,) = run_job(
        "tests.sched_jobs:scenario",
        {"name": "pipe_read", "seeds": [1], "stall_seconds": 0.5},
        timeout=CHILD_TIMEOUT,
    )
    assert run["status"] == "uncontrolled"
    assert not run["controlled"]
    assert "in _pipe_read" in run["reason"]
    assert run["real_seconds"] < 0.5 * 2 + 1.0 + 1.0  # two looks, the unwind wait, slack


def test_a_thread_computing_longer_than_the_stall_is_busy_not_uncontrolled() -> None:
    """Its OS thread is on a CPU (or waiting for one, on a loaded machine): a stall of
    1.5 s against 0.5 s is patience, not a fallback (one in a loaded suite once was)."""
    (run,) = run_job(
        "tests.sched_jobs:scenario",
        {"name": "computes_between_steps", "seeds": [1], "stall_seconds": 0.5},
        timeout=CHILD_TIMEOUT,
    )
    assert run["status"] == "completed", run["report"]
    assert run["controlled"]
    assert run["result"] is True


def test_a_run_that_steps_without_end_stops_at_its_real_time_limit() -> None:
    """With steps to spare (a slow free-threaded build took 4 s to reach the step limit
    and the trial was killed as a HANG), the real-time limit ends it: inconclusive."""
    (run,) = run_job(
        "tests.sched_jobs:scenario",
        {
            "name": "spins_forever",
            "seeds": [1],
            "max_steps": 10**9,
            "max_real_seconds": 0.5,
        },
        timeout=30.0,  # without the limit the child never ends
    )
    assert run["status"] == "step_limit", run["report"]
    assert "of real time" in run["reason"]
    assert run["real_seconds"] < 0.5 + 1.0 + 1.0  # the limit, the unwind wait, slack


def test_a_thread_the_scheduler_did_not_start_keeps_a_wait_from_being_called_a_deadlock() -> None:
    (run,) = run_job(
        "tests.sched_jobs:scenario",
        {"name": "stranger_thread", "seeds": [1]},
        timeout=CHILD_TIMEOUT,
    )
    assert run["status"] == "uncontrolled"
    assert "did not start" in run["reason"]


def test_a_bounded_pipeline_that_hangs_is_reported_at_once_naming_the_full_queue() -> None:
    """Regression: naming a queue's size once took the queue's (stand-in) lock inside
    the scheduler, which recursed until the caller died of a RecursionError."""
    runs = run_job(
        "tests.sched_jobs:bounded_single_pool", {"seeds": [1, 2, 3, 4]}, timeout=CHILD_TIMEOUT
    )
    for run in runs:
        assert run["verdict"] == "HANG", run["report"]
        assert run["status"] == "deadlock"  # at once: every thread blocked
        assert run["virtual_time"] == 0.0
        calls = [row["call"] for row in run["waits"]]
        assert "Queue.put (qsize=1, maxsize=1)" in calls, run["report"]
        assert all(row["holder"] != row["thread"] for row in run["waits"])


def test_threads_still_waiting_after_the_grace_are_leaked_then_unwound() -> None:
    runs = run_job(
        "tests.sched_jobs:scenario",
        {"name": "leaves_threads_behind", "seeds": [1, 2, 3]},
        timeout=CHILD_TIMEOUT,
    )
    for run in runs:
        assert run["status"] == "completed"
        assert run["result"] == "returned"
        assert sorted(name.split()[0] for name in run["leaked"]) == ["forever", "sleeper"]
        assert run["abandoned"] == 0  # each unwound at its next synchronisation point
