"""The preempter: it traces the target's code only, and a replay sees exactly the events
(and the preemption points) of the run it replays.

Tracing is process-wide, so each test stops its preempter in ``finally``; the
thread-based test joins with a bound.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

import stress.trial.preempt
from stress.trial.preempt import MECHANISM, FileFilter, Plan, Preempter
from tests.stress_helpers import run_python

TIMEOUT = 10.0
_SOURCE = """
def target(n):
    total = 0
    for i in range(n):
        total += i
        if total % 3 == 0:
            total -= 1
    return total
"""


def _fresh_target() -> Callable[[int], int]:
    """A new code object each time, in a file that counts as the user's code."""
    namespace: dict[str, object] = {}
    exec(
        compile(_SOURCE, os.path.join(os.path.dirname(__file__), "fake_target.py"), "exec"),
        namespace,
    )
    return namespace["target"]  # type: ignore[return-value]


def _mechanisms() -> list[str]:
    return ["settrace", "monitoring"] if sys.version_info >= (3, 12) else ["settrace"]


@pytest.fixture
def stop_all() -> Iterator[list[Preempter]]:
    started: list[Preempter] = []
    try:
        yield started
    finally:
        for preempter in started:
            preempter.stop()


def _run_once(
    plan: Plan, mechanism: str, started: list[Preempter]
) -> tuple[dict[str, int], object]:
    target = _fresh_target()
    preempter = Preempter(plan, mechanism=mechanism, log=True)
    started.append(preempter)
    preempter.start()
    try:
        target(150)
        target(150)
    finally:
        preempter.stop()
    return preempter.stats(), preempter.log


def replay_runs(opcodes: bool) -> list[tuple[dict[str, int], object]]:
    """Three runs of one plan on fresh copies of the target, in this process."""
    plan = Plan(seed=11, k=3, share=0.1, opcodes=opcodes)
    started: list[Preempter] = []
    try:
        return [_run_once(plan, MECHANISM, started) for _ in range(3)]  # trials' mechanism
    finally:
        for preempter in started:
            preempter.stop()


@pytest.mark.smoke
@pytest.mark.parametrize("opcodes", [False, True], ids=["lines", "opcodes"])
def test_a_replay_sees_exactly_the_events_and_points_of_the_run_it_replays(
    opcodes: bool,
) -> None:
    # In a fresh interpreter, as in a trial child: a pytest-xdist worker has execnet's
    # receiving thread, whose code (site-packages, not the harness's) counts as the
    # target's whenever a message arrives mid-run, so it would be a second thread here.
    code = (
        "import json, sys; from tests.test_power_preempt import replay_runs; "
        f"json.dump(replay_runs({opcodes!r}), sys.stdout)"
    )
    child = run_python("-c", code, timeout=60.0)
    assert child.returncode == 0, child.stderr
    runs = json.loads(child.stdout)
    stats, log = runs[0]
    assert stats["preempt_events"] > 300
    assert stats["preempt_points"] > 0
    assert stats["preempt_threads"] == 1
    assert all(run == [stats, log] for run in runs), runs


def test_another_seed_preempts_at_other_events(stop_all: list[Preempter]) -> None:
    _, log_a = _run_once(Plan(seed=1, k=0, share=0.1), MECHANISM, stop_all)
    _, log_b = _run_once(Plan(seed=2, k=0, share=0.1), MECHANISM, stop_all)
    assert log_a != log_b


def test_share_zero_traces_nothing(stop_all: list[Preempter]) -> None:
    stats, log = _run_once(Plan(seed=1, k=0, share=0.0), MECHANISM, stop_all)
    assert stats["preempt_events"] == 0
    assert log == {}
    assert sys.gettrace() is None


def test_the_filter_keeps_user_code_and_skips_the_stdlib_and_the_harness() -> None:
    keep = FileFilter()
    assert keep(__file__)
    assert keep(os.path.join(os.path.dirname(__file__), "zoo", "race_lost_update.py"))
    assert not keep(queue.__file__)
    assert not keep(threading.__file__)
    assert not keep(stress.trial.preempt.__file__)
    assert not keep(pytest.__file__)
    assert not keep("<frozen importlib._bootstrap>")
    assert not keep("<string>")
    assert FileFilter(include=(os.path.dirname(queue.__file__),))(queue.__file__)


def test_threads_started_while_active_are_preempted_on_their_own_streams(
    stop_all: list[Preempter],
) -> None:
    target = _fresh_target()
    preempter = Preempter(Plan(seed=5, k=1, share=0.2, hold_us=20.0), log=True)
    stop_all.append(preempter)
    preempter.start()
    try:
        threads = [threading.Thread(target=target, args=(200,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
            assert not thread.is_alive()
    finally:
        preempter.stop()
    stats = preempter.stats()
    assert stats["preempt_threads"] >= 3  # the three, and this test's own thread
    assert stats["preempt_points"] > 0
    assert preempter.log is not None
    assert len(preempter.log) >= 3


def test_holds_stop_at_the_hold_budget(stop_all: list[Preempter]) -> None:
    plan = Plan(seed=5, k=1, share=1.0, hold_us=1000.0, max_hold=0.01)
    preempter = Preempter(plan)
    stop_all.append(preempter)
    preempter.start()
    try:
        _fresh_target()(100)
    finally:
        preempter.stop()
    assert preempter.stats()["preempt_points"] > 100  # every event, most only counted
    assert preempter._held < 0.05  # the bound, overshot by one hold at most


def test_an_unknown_mechanism_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mechanism"):
        Preempter(Plan(seed=0, k=0, share=0.1), mechanism="ptrace")
