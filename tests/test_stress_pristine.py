"""The user's code runs under test as it runs without it (stress.trial.pristine).

Found on unseen code: the harness set ``tqdm.tqdm.monitor_interval = 0`` for good in
the process that forks trials, so a pipeline whose progress bar starts tqdm's monitor
thread (a thread that never stops: a leak in real life) passed under the harness.
These tests judge targets against what they do outside the harness, compare a trial's
interpreter state with a fresh interpreter's, and fork trials from a process holding
state that does not survive a fork (a running tqdm monitor, a held tqdm lock, pytest's
exception hooks and log capture: every test here runs inside pytest).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import tqdm
import tqdm.auto

from stress import DefectFound, check
from stress.core.config import TrialConfig
from stress.faces.report import make_token
from tests.stress_helpers import run_python, run_stress

pytestmark = pytest.mark.smoke

LEAKY = "tests.zoo.broken_leak_progress_monitor:pipeline"
QUIET = "tests.zoo.correct_progress_bar:pipeline"
#: Pipelines whose library starts a background thread at first use, leaking or not.
LIBRARY_THREADS = [
    "broken_leak_progress_monitor",  # a plain tqdm bar: tqdm's monitor never stops
    "correct_progress_bar",  # a tqdm subclass with the monitor off
    "broken_leak_thread_map_bar",  # tqdm.contrib.concurrent.thread_map, tqdm.auto's bar
    "correct_thread_map_bar",  # the same, stopping the monitor its bars started
    "broken_leak_log_listener",  # a logging QueueListener started at first use, for good
    "correct_log_listener",  # a QueueListener started and stopped by each call
]
#: tests.pristine_probe's output file (that module must not be imported here: its state
#: at import would be this process's, not the trial's).
OUT_ENV = "STRESS_PRISTINE_PROBE"
#: A one-item, one-stage trial with no fault and no noise: what the probes replay.
PLAIN = make_token(TrialConfig(seed=1, k=0, workers=(1,), items=1, schedule="zero"))


def _category(target: str | Callable[..., Any], budget: float = 8.0, **options: Any) -> str | None:
    try:
        check(target, budget=budget, seed=4, faults=False, awkward=False, **options)
    except DefectFound as found:
        return found.category
    return None


def _report(target: Callable[..., Any]) -> str:
    """The defect report of ``target`` (which must have a defect)."""
    with pytest.raises(DefectFound) as found:
        check(target, budget=20.0, seed=4, faults=False, awkward=False)
    return str(found.value)


_OUTSIDE = """
import importlib, sys, threading, time
module = importlib.import_module(sys.argv[1])
before = set(threading.enumerate())
print(list(module.pipeline([1, 2, 3], [str], [2])), file=sys.stderr)
grace = time.monotonic() + 1.0  # the contract's grace
for thread in set(threading.enumerate()) - before:
    thread.join(max(0.0, grace - time.monotonic()))
print(sorted(t.name for t in set(threading.enumerate()) - before if t.is_alive()))
"""


def _leaks_outside(module: str) -> bool:
    """Does one call of the pipeline, in a fresh interpreter, leave a thread behind?"""
    done = run_python("-c", _OUTSIDE, module)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip() != "[]"


@pytest.mark.parametrize("name", LIBRARY_THREADS)
def test_a_library_thread_started_at_first_use_is_judged_as_outside_the_harness(
    name: str,
) -> None:
    """In a fresh interpreter the broken ones leave a thread behind and the correct ones
    do not; ``check`` (called inside pytest) and the command line must agree."""
    leaks = _leaks_outside(f"tests.zoo.{name}")
    assert leaks == name.startswith("broken_"), "the zoo's ground truth is wrong"
    target = f"tests.zoo.{name}:pipeline"
    assert _category(target, budget=3.0) == ("LEAKED_WORKER" if leaks else None)
    done = run_stress(
        "run", target, "--seed", "4", "--budget", "3", "--no-faults", "--no-awkward", timeout=90
    )
    assert done.returncode == (1 if leaks else 0), done.stdout[:2000] + done.stderr[-2000:]
    assert done.stdout.startswith("DEFECT LEAKED_WORKER" if leaks else "PASS"), done.stdout[:500]


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


def test_a_monitor_of_a_tqdm_subclass_in_the_forking_process_is_not_the_trials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A caller's ``tqdm.auto`` bars keep their monitor on that subclass: the trial's
    ``thread_map`` (whose bar is ``tqdm.auto.tqdm``) must still start its own."""
    monkeypatch.setattr(tqdm.auto.tqdm, "monitor", _LiveMonitor(), raising=False)
    assert _category("tests.zoo.broken_leak_thread_map_bar:pipeline") == "LEAKED_WORKER"


def test_a_tqdm_lock_held_by_another_thread_of_the_forking_process_is_not_the_trials() -> None:
    """A thread of the caller drawing its bar holds tqdm's write lock at the fork: in
    the child no thread would ever release it, and the target's first bar waited for
    it forever (a false HANG on a correct pipeline)."""
    holding, release = threading.Event(), threading.Event()
    bars: Any = tqdm.tqdm  # get_lock is untyped in tqdm's stubs

    def draw_forever() -> None:
        with bars.get_lock():
            holding.set()
            release.wait(120)

    holder = threading.Thread(target=draw_forever, name="caller-bar")
    holder.start()
    try:
        assert holding.wait(10)
        assert _category(QUIET, budget=4.0) is None
    finally:
        release.set()
        holder.join(10)
    assert not holder.is_alive()


def _dies_in_a_thread(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """Loses every result: its one worker dies of an exception nobody catches."""

    def work() -> None:
        raise RuntimeError("pristine-marker: the worker died")

    worker = threading.Thread(target=work, name="pristine-worker")
    worker.start()
    worker.join()
    return []


def test_a_dying_threads_traceback_reaches_the_report_under_pytest() -> None:
    """pytest's ``threading.excepthook`` collects a thread's exception into the parent's
    memory; in a trial nobody read it, and the report showed no traceback."""
    report = _report(_dies_in_a_thread)
    assert report.startswith("DEFECT LOST"), report[:500]
    assert "Exception in thread pristine-worker" in report, report[-3000:]
    assert "RuntimeError: pristine-marker: the worker died" in report, report[-3000:]


def _logs_and_loses(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    """Loses every result and says so in a warning on its own logger."""
    logging.getLogger("tests.pristine").warning("pristine-marker: results dropped")
    return []


def test_a_log_record_reaches_the_report_under_pytests_log_capture() -> None:
    """pytest's capture handlers on the root logger held the record in the parent's
    memory; in a trial it now reaches logging's last resort, the captured stderr."""
    report = _report(_logs_and_loses)
    assert report.startswith("DEFECT LOST"), report[:500]
    assert "pristine-marker: results dropped" in report, report[-3000:]


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


def _fresh_state(out: Path, ignored: Sequence[int] = ()) -> dict[str, Any]:
    env = {OUT_ENV: str(out)}
    done = run_python("-m", "tests.pristine_probe", ignored=ignored, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _differences(fresh: dict[str, Any], trial: dict[str, Any]) -> dict[str, set[str]]:
    """Per phase (import, call), the names of the state entries that differ."""
    return {
        phase: {key for key in fresh[phase] if fresh[phase][key] != trial[phase].get(key)}
        for phase in ("import", "call")
    }


#: What ``nohup`` and a shell's background job leave ignored in what they start.
INHERITED = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)


@pytest.mark.parametrize("ignored", [(), INHERITED], ids=["foreground", "nohup-background"])
def test_a_trial_from_the_command_line_meets_a_fresh_interpreters_state(
    tmp_path: Path, ignored: tuple[int, ...]
) -> None:
    """Nothing of the harness's own reaches the target: its state in a trial is a
    fresh interpreter's, but for faulthandler, on during the call (documented: it
    dumps the stacks of a trial that must be killed).  Started under ``nohup`` in the
    background, a fresh interpreter inherits SIGHUP, SIGINT and SIGQUIT ignored, and
    so does the trial (the suite run that way failed here: the trial had CPython's
    start-up handlers instead)."""
    out = tmp_path / "state.json"  # one path: the environment must be the same
    fresh = _fresh_state(out, ignored)
    out.unlink()
    done = run_python(
        "-m", "stress", "run", "tests.pristine_probe:pipeline", "--replay", PLAIN,
        "--budget", "5", timeout=90, ignored=ignored, env={OUT_ENV: str(out)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[:2000] + done.stderr[-2000:]
    trial = json.loads(out.read_text())
    differences = _differences(fresh, trial)
    assert differences == {"import": set(), "call": {"faulthandler"}}, (differences, fresh, trial)


def test_a_trial_from_check_inside_pytest_keeps_only_the_callers_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked from this pytest process, a trial keeps what the caller configured (its
    warnings filters, environment) and nothing pytest collects with: no capture
    handler, CPython's exception hooks, a stdin that reads nothing."""
    fresh = _fresh_state(tmp_path / "fresh.json")
    out = tmp_path / "trial.json"
    monkeypatch.setenv(OUT_ENV, str(out))
    check("tests.pristine_probe:pipeline", replay=PLAIN, budget=5.0)
    trial = json.loads(out.read_text())
    # the caller's configuration, and pytest's faulthandler (on, in the caller, at import)
    configuration = {"environ", "warnings_filters", "root_level", "faulthandler"}
    differences = _differences(fresh, trial)
    assert differences["import"] <= configuration, (differences, fresh, trial)
    assert differences["call"] <= configuration, (differences, fresh, trial)
    assert trial["call"]["root_handlers"] == []
    assert trial["call"]["threading_excepthook"]
    assert trial["call"]["unraisablehook"]


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
    done = run_python("-c", _STATE_PROBE, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "changed:", done.stdout
