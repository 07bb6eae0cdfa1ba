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
