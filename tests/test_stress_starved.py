"""A call starved of CPU by the machine's other processes is not a hang.

On a loaded runner (measured: free-threaded 3.14 beside two busy processes) a correct
pipeline's threads can wait in the run queue for seconds, runnable yet given almost no
CPU time.  The watchdog calls such a call *starved* and the search counts it a slow
pass, without the re-run that would only starve again; before, two starved runs were
reported as a HANG.  The starvation here is forced, not hoped for: the target's thread
takes the idle scheduling class on the one CPU a busy process of the test holds, and
spins there for ever (given the CPU, it would be a livelock, and a HANG)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from stress.core.config import SearchOptions
from stress.forms.targets import parse_target
from stress.search.engine import search
from stress.trial.watchdog import waited_for_cpu

pytestmark = pytest.mark.skipif(
    not hasattr(os, "SCHED_IDLE") or not os.path.exists("/proc/self/stat"),
    reason="needs Linux's idle scheduling class and /proc",
)

TIMEOUT = 0.5
OPTIONS = SearchOptions(max_items=2, faults=False, awkward=False)
HOG_SECONDS = 20.0  # the busy process's own bound; the test stops it sooner
CPU = sorted(os.sched_getaffinity(0))[0] if hasattr(os, "sched_getaffinity") else 0
_HOG = (
    "import os, time\n"
    f"os.sched_setaffinity(0, {{{CPU}}})\n"
    f"end = time.monotonic() + {HOG_SECONDS}\n"
    "while time.monotonic() < end:\n"
    "    pass\n"
)


def starved(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """Spins on a thread of the idle class, on the one CPU the busy process holds."""
    os.sched_setaffinity(0, {CPU})
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    while True:  # runnable all along; a livelock if it ever had the CPU
        pass


def test_a_call_starved_by_other_processes_is_a_slow_pass_not_a_hang() -> None:
    hog = subprocess.Popen([sys.executable, "-c", _HOG])
    try:
        result = search(
            parse_target(starved),
            seed=1,
            budget=4.0,  # room for a re-run: before, the second starved run made a HANG
            trial_timeout=TIMEOUT,
            options=OPTIONS,
            jobs=1,
        )
    finally:
        hog.kill()
        hog.wait(10)
    assert result.defect is None, "\n".join(
        [result.defect.summary, *result.defect.details[:20]] if result.defect else []
    )
    assert result.slow >= 1
    assert result.trials >= 1


_READY = "print('ready', flush=True)\n"
_IDLE_SPINNER = (
    "import os\n"
    f"os.sched_setaffinity(0, {{{CPU}}})\n"
    "os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
    f"{_READY}"
    "while True:\n"
    "    pass\n"
)
_BLOCKED = f"import sys\n{_READY}sys.stdin.read()\n"  # waits on a pipe no one writes
_SPINNER = f"{_READY}while True:\n    pass\n"
READY_WAIT = 30.0


def _watched(code: str, *, with_hog: bool) -> bool:
    """``waited_for_cpu`` on a process running ``code`` once it has said it is set up
    (beside the busy process if asked)."""
    hog = subprocess.Popen([sys.executable, "-c", _HOG]) if with_hog else None
    watched = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert watched.stdout is not None
        ready, _, _ = select.select([watched.stdout], [], [], READY_WAIT)
        assert ready, "the watched process never said it was set up"
        assert watched.stdout.readline() == b"ready\n"
        return waited_for_cpu(watched.pid, 0.5)
    finally:
        for process in (watched, hog):
            if process is not None:
                process.kill()
                process.communicate(timeout=10)


def test_a_process_whose_threads_wait_for_a_cpu_is_seen_starved() -> None:
    """The evidence the parent reads before it calls a child that never answered a
    HANG (a loaded 3.14t: the watchdog itself could not report in time)."""
    assert _watched(_IDLE_SPINNER, with_hog=True) is True


def test_a_process_that_sleeps_or_runs_is_not_starved() -> None:
    assert _watched(_BLOCKED, with_hog=False) is False  # a deadlock sleeps
    assert _watched(_SPINNER, with_hog=False) is False  # a wedged process runs
