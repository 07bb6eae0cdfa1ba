"""Real-world shapes run under the scheduler, unchanged, to completion.

A ``Thread`` subclass, a ``ThreadPoolExecutor`` made inside a function (``map``,
``submit``, ``wait``, ``as_completed``), ``multiprocessing.pool.ThreadPool`` with
``imap_unordered``, and a two-stage pipeline over queues that end by ``shutdown()``
(``queue.Queue`` on 3.13+, the project's backport before).  Each runs under twenty
schedules in a child, and each must complete with the right result and no thread
left behind.
"""

from __future__ import annotations

import pytest

from stress.scheduled.child import run_job

CHILD_TIMEOUT = 120.0

EXPECTED = {
    "thread_subclass": [0, 0, 1, 3],
    "executor_in_function": [[0, 1, 4, 9, 16, 25], [1, 2, 4, 8], [1, 2, 4, 8]],
    "thread_pool_imap_unordered": [10, 11, 12, 13, 14, 15, 16, 17],
    "queue_shutdown_pipeline": [2, 3, 4, 5],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_scenario_runs_to_completion_under_every_schedule(name: str) -> None:
    runs = run_job(
        "tests.sched_jobs:scenario", {"name": name, "seeds": list(range(20))}, timeout=CHILD_TIMEOUT
    )
    assert len(runs) == 20
    for run in runs:
        assert run["status"] == "completed", run["report"]
        assert run["error"] is None
        assert run["result"] == EXPECTED[name]
        assert run["leaked"] == []


def test_every_thread_of_a_run_is_a_new_os_thread_with_empty_thread_locals() -> None:
    runs = run_job("tests.sched_jobs:thread_locals", {"reuse_os_threads": False}, timeout=120)
    for run in runs:
        assert len({native for native, _ in run}) == 3
        assert [value for _, value in run] == [None, None, None]


def test_reused_os_threads_are_new_within_a_run_and_reused_across_runs() -> None:
    runs = run_job("tests.sched_jobs:thread_locals", {"reuse_os_threads": True}, timeout=120)
    natives = [{native for native, _ in run} for run in runs]
    assert all(len(ids) == 3 for ids in natives)
    assert natives[0] & natives[1]
    assert [value for run in runs for _, value in run] == [None] * 9


@pytest.mark.parametrize("reuse", [False, True])
def test_a_reused_os_thread_keeps_nothing_of_its_earlier_lives(reuse: bool) -> None:
    """Thread-locals (module-level, a subclass whose __init__ runs again), the trace and
    profile functions, and a raw thread's _DummyThread: as in a new OS thread, whether
    the worker is new or not."""
    runs = run_job("tests.sched_jobs:fresh_threads", {"reuse_os_threads": reuse}, timeout=120)
    natives = [{seen["native"] for seen in run} for run in runs]
    assert all(len(ids) == 4 for ids in natives)
    if reuse:
        assert natives[0] & natives[1]
    for run in runs:
        for seen in run:
            assert seen == {**seen, "local": None, "fresh": True, "trace": False}
            assert not seen["profile"]
            # A new OS thread on 3.11/3.12.1 may meet an ended one's _DummyThread (its
            # ident reused by glibc, CPython never removed it); a reused worker never does.
            assert not (reuse and seen["old_dummy"])


def test_a_worker_that_cannot_forget_ends_and_reuse_stops() -> None:
    runs = run_job(
        "tests.sched_jobs:fresh_threads",
        {"reuse_os_threads": True, "cannot_forget": True},
        timeout=120,
    )
    natives = [seen["native"] for run in runs for seen in run]
    assert len(set(natives)) == len(natives) == 16  # every thread a new OS thread
    assert all(seen["local"] is None for run in runs for seen in run)
