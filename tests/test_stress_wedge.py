"""The harness never wedges: a target that hangs forever, leaks non-daemon threads,
blocks interpreter exit and spawns a process is reported, its process group killed,
and the caller ends within budget + trial timeout + 10 s (CONTRACT.md section 3)."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stress import DefectFound, check
from tests.stress_helpers import ROOT, process_is_gone, run_stress, started_with, stress_env

WEDGE = "tests.zoo.wedge:pipeline"
BUDGET, TRIAL_TIMEOUT = 1.0, 1.0
BOUND = BUDGET + TRIAL_TIMEOUT + 10.0


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


@pytest.mark.smoke
def test_the_command_line_ends_in_bounded_time_and_kills_what_the_target_started(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "pids"
    started = time.monotonic()
    done = run_stress(
        "run", WEDGE, "--budget", str(BUDGET), "--trial-timeout", str(TRIAL_TIMEOUT),
        "--mode", "threads", timeout=60.0, STRESS_TEST_PIDFILE=str(pidfile),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("DEFECT HANG ")
    assert elapsed < BOUND
    assert "forever-0" in done.stdout  # every thread's stack, by name
    assert "waits on: wait on threading.Event" in done.stdout
    pids = _pids(pidfile)
    assert pids
    assert all(process_is_gone(pid) for pid in pids)


def test_under_the_scheduler_the_wedge_is_a_deadlock_named_by_its_event(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    done = run_stress(
        "run", WEDGE, "--budget", str(BUDGET), "--trial-timeout", str(TRIAL_TIMEOUT),
        "--mode", "scheduled", timeout=60.0, STRESS_TEST_PIDFILE=str(pidfile),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("DEFECT HANG "), done.stdout[:2000]
    rows = [line for line in done.stdout.splitlines() if line.startswith("forever-")]
    assert rows, done.stdout
    # An event has no label or holder to name: the row says the call, nothing after it.
    assert all(": waits in Event.wait at " in row for row in rows), rows
    assert all(process_is_gone(pid) for pid in _pids(pidfile))


def test_check_ends_in_bounded_time_and_leaves_nothing_in_the_caller(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    os.environ["STRESS_TEST_PIDFILE"] = str(pidfile)
    try:
        started = time.monotonic()
        with pytest.raises(DefectFound) as caught:
            check(WEDGE, budget=BUDGET, trial_timeout=TRIAL_TIMEOUT)
        elapsed = time.monotonic() - started
    finally:
        del os.environ["STRESS_TEST_PIDFILE"]
    assert caught.value.category == "HANG"
    assert elapsed < BOUND
    assert all(process_is_gone(pid) for pid in _pids(pidfile))
    # The autouse guard in conftest.py fails this test if a thread was left behind.


#: The Ctrl-C test's run on real threads with a long trial timeout (see its comment).
PINNED = ["--mode", "threads", "--trial-timeout", "60"]


def test_ctrl_c_prints_what_was_explored_and_exits_130(tmp_path: Path) -> None:
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    child = subprocess.Popen(
        # On real threads and with a long trial timeout the run cannot end before the
        # interrupt: under the scheduler the wedge deadlocks at once (a schedule waits on
        # an Event no thread sets), and a loaded 3.14t once printed its report (exit 1)
        # before this process had sent the signal.
        # As in a terminal: a suite started in the background (a shell ignores SIGINT
        # in its background jobs, and children inherit that) would never interrupt it.
        started_with(
            [
                sys.executable,
                "-m",
                "stress",
                "run",
                WEDGE,
                "--budget",
                "30",
                "--seed",
                "1",
                *PINNED,
            ],
            default=[signal.SIGINT],
        ),
        cwd=ROOT,
        env=stress_env(STRESS_TEST_PIDFILE=str(fifo)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([reader], [], [], 30.0)
        assert ready, "the target never started"
        pid = int(os.read(reader, 100).split()[0])
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=15.0)
    finally:
        os.close(reader)
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, err
    assert re.match(r"^INTERRUPTED trials=\d+ configurations=\d+ seed=1", out), out
    assert "Traceback" not in err
    assert process_is_gone(pid)


_FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()


@pytest.mark.parametrize(
    "mode",
    [
        "threads",
        pytest.param(
            "scheduled",
            marks=pytest.mark.skipif(
                _FREE_THREADED,
                reason="without a GIL faulthandler dumps the signalled thread only (the "
                "scheduler's controller, not the target's), and the wedged child would "
                "hold a core for 8.5 s beside the threads case",
            ),
        ),
    ],
)
def test_a_trial_that_holds_the_gil_is_killed_at_the_hard_deadline(mode: str) -> None:
    started = time.monotonic()
    with pytest.raises(DefectFound) as caught:
        check("tests.zoo.wedge_gil:pipeline", budget=BUDGET, trial_timeout=TRIAL_TIMEOUT, mode=mode)
    assert time.monotonic() - started < BOUND
    assert caught.value.category == "HANG"
    report = str(caught.value)
    assert "did not answer" in report
    assert "wedge_gil.py" in report  # faulthandler's dump, taken before the kill


def hangs_on_a_pipe(items: object, stages: object, workers: object) -> None:
    """Blocks in a read nobody will answer: no deadlock proof, only the trial timeout."""
    r, _w = os.pipe()
    os.read(r, 1)


_HARNESS_THEN_WAIT = """
import threading
from stress.core.config import TrialConfig
from stress.trial.execution import wait_any
from stress.trial.runner import TrialProcess
from stress.forms.targets import parse_target
spec = parse_target("tests.test_stress_wedge:hangs_on_a_pipe")
config = TrialConfig(seed=1, k=0, workers=(1,), items=1)
trial = TrialProcess(spec, config, trial_timeout=600.0, ready_timeout=30.0)
while not trial._ready:  # the target imported: the trial now only waits, writing nothing
    assert trial.poll() is None
    wait_any([trial])
print(trial.pid, flush=True)
threading.Event().wait()
"""


@pytest.mark.smoke
def test_a_trial_dies_with_its_harness() -> None:
    """A harness killed mid-trial (a CI timeout, kill -9) leaves no trial running on."""
    harness = subprocess.Popen(
        [sys.executable, "-c", _HARNESS_THEN_WAIT],
        cwd=ROOT,
        env=stress_env(),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert harness.stdout is not None
        ready, _, _ = select.select([harness.stdout], [], [], 30.0)
        assert ready, "the harness never started its trial"
        trial_pid = int(harness.stdout.readline())
    finally:
        harness.kill()
        harness.wait(10.0)
        if harness.stdout is not None:
            harness.stdout.close()
    try:
        assert process_is_gone(trial_pid, timeout=10.0), "the trial outlived its harness"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(trial_pid, signal.SIGKILL)
