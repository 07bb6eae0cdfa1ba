"""A controlled thread's gate (stress/scheduled/gate.py): shut when new, one pass per
release, refused once closed, a lock where no eventfd can be had; and a run gives its
gates' descriptors back whatever its end (a leak would end a trial's child, which runs
thousands of schedules, at its descriptor limit)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest

from stress.scheduled import gate
from stress.scheduled.child import run_job

GATES: dict[str, Callable[[], gate.Gate]] = {"new_gate": gate.new_gate, "lock": gate.LockGate}
PASS_WAIT = 30.0  # bounded: a pass that should come
QUIET_WAIT = 0.05  # a pass that should not come (a miss here could only hide a defect)


def _passes(shut: gate.Gate) -> threading.Event:
    passed = threading.Event()

    def wait() -> None:
        shut.acquire()
        passed.set()

    threading.Thread(target=wait, daemon=True).start()
    return passed


@pytest.mark.parametrize("make", GATES.values(), ids=GATES.keys())
def test_a_new_gate_is_shut_and_one_release_lets_its_owner_through(
    make: Callable[[], gate.Gate],
) -> None:
    shut = make()
    passed = _passes(shut)
    assert not passed.wait(QUIET_WAIT)
    shut.release()
    assert passed.wait(PASS_WAIT)
    again = _passes(shut)  # the pass used the release up
    assert not again.wait(QUIET_WAIT)
    shut.release()
    assert again.wait(PASS_WAIT)
    shut.close()


@pytest.mark.skipif(not hasattr(os, "eventfd"), reason="no eventfd here: every gate is a lock")
def test_a_gate_is_an_eventfd_and_refuses_use_once_closed() -> None:
    made = gate.new_gate()
    assert isinstance(made, gate.EventGate)
    fd = made.fd
    made.close()
    made.close()  # twice: nothing more
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(fd)  # given back (a test run opens nothing in between here)
    with pytest.raises(RuntimeError, match="after its run ended"):
        made.release()
    with pytest.raises(RuntimeError, match="after its run ended"):
        made.acquire()


def test_a_gate_is_a_lock_when_no_descriptor_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_descriptor(*args: object) -> int:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(gate, "_eventfd", no_descriptor)
    assert isinstance(gate.new_gate(), gate.LockGate)


def test_a_lock_gate_released_twice_lets_one_through() -> None:
    shut = gate.LockGate()
    shut.release()
    shut.release()  # the abort opens every gate, open or not: no error
    first = _passes(shut)
    assert first.wait(PASS_WAIT)
    second = _passes(shut)
    assert not second.wait(QUIET_WAIT)
    shut.release()
    assert second.wait(PASS_WAIT)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="no /proc/self/fd to count")
def test_runs_give_their_gates_back_whatever_their_end() -> None:
    done = run_job("tests.sched_jobs:open_descriptors", {"runs": 30}, timeout=120)
    assert done["statuses"] == ["completed", "deadlock"]
    assert done["after"] <= done["before"], done
