"""The user's code runs under test as it runs without it (stress.trial.pristine).

Found on unseen code: the harness set ``tqdm.tqdm.monitor_interval = 0`` for good in
the process that forks trials, so a pipeline whose progress bar starts tqdm's monitor
thread (a thread that never stops: a leak in real life) passed under the harness.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import pytest
import tqdm

from stress import DefectFound, check
from tests.stress_helpers import ROOT, stress_env

pytestmark = pytest.mark.smoke

LEAKY = "tests.zoo.broken_leak_progress_monitor:pipeline"
QUIET = "tests.zoo.correct_progress_bar:pipeline"


def _category(target: str, **options: Any) -> str | None:
    try:
        check(target, budget=8.0, seed=4, faults=False, awkward=False, **options)
    except DefectFound as found:
        return found.category
    return None


def test_a_progress_bar_that_starts_a_monitor_thread_is_a_leak() -> None:
    assert _category(LEAKY) == "LEAKED_WORKER"


def test_a_progress_bar_without_the_monitor_passes() -> None:
    assert _category(QUIET) is None


class _LiveMonitor:
    """What a running monitor looks like to tqdm: ``report()`` says it is alive."""

    def report(self) -> bool:
        return True


def test_a_monitor_running_in_the_forking_process_is_not_the_trials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``stress compare`` forks trials while its own bar runs: a forked child has no
    monitor thread, though ``tqdm.tqdm.monitor`` still names the parent's."""
    monkeypatch.setattr(tqdm.tqdm, "monitor", _LiveMonitor())
    assert _category(LEAKY) == "LEAKED_WORKER"


def _sigusr1_handler(signum: int, frame: object) -> None:
    raise AssertionError("the forking process's handler ran in a trial")


def test_a_trial_starts_with_cpythons_signal_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test runner's handlers are not the target's: a pipeline that relies on the
    default action of a signal (here: checks it) meets CPython's start-up handlers."""
    previous = signal.signal(signal.SIGUSR1, _sigusr1_handler)
    try:
        assert _category("tests.zoo.correct_signal_defaults:pipeline") is None
    finally:
        signal.signal(signal.SIGUSR1, previous)


_STATE_PROBE = """
import logging, os, signal, sys, warnings
import tqdm
def state():
    return (
        dict(os.environ), list(warnings.filters), list(logging.getLogger().handlers),
        logging.getLogger().level, tqdm.tqdm.monitor_interval, tqdm.tqdm.monitor,
        sys.getswitchinterval(), sys.getrecursionlimit(), sys.excepthook,
        {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)},
    )
before = state()
from stress import check
check("countdown", budget=1.0, seed=1)
after = state()
names = ["environ", "warnings", "handlers", "level", "monitor_interval", "monitor",
         "switchinterval", "recursionlimit", "excepthook", "signals"]
changed = [n for n, a, b in zip(names, before, after) if a != b]
print("changed:", ",".join(changed))
"""


def test_the_harness_leaves_the_callers_interpreter_state_as_it_was() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STATE_PROBE],
        cwd=ROOT,
        env=stress_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "changed:", done.stdout
