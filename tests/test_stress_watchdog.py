"""stress.trial.watchdog after the trial timeout: a call that does not advance but has a
thread running (CPU-bound, not stuck) is an *unconfirmed* hang, reported only at
``CONFIRM_MAX``; a quiet one is confirmed after its quiet spell.  The search reruns an
unconfirmed hang (tests/test_stress_slowpass.py), so telling the two apart is what keeps
a slow stage on a loaded machine from being reported as a HANG.  A call whose threads
are runnable but get no CPU time (the machine's other processes have it) is *starved*,
reported early, and never a hang (the search counts it a slow pass)."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest

from stress.trial import watchdog

pytestmark = pytest.mark.smoke

#: The look past the timeout, shortened for the test: a quiet call is confirmed after
#: one second, a running one is reported at this cap.
CONFIRM_CAP = 1.5
REPORT_WAIT = 30.0


class _Workload:
    def __init__(self) -> None:
        self.stalling = [0]  # the harness never stalls this call
        self.injected = [0.0]  # nor delays it


class _StillTrial:
    """A trial whose progress never moves; records the one hang report."""

    def __init__(self) -> None:
        self.workload = _Workload()
        self.report: dict[str, Any] = {}
        self.reported = threading.Event()

    def progress(self) -> int:
        return 0

    def report_hang(self, **fields: Any) -> None:
        self.report = fields
        self.reported.set()


def _watch(monkeypatch: pytest.MonkeyPatch) -> _StillTrial:
    monkeypatch.setattr(watchdog, "CONFIRM_MAX", CONFIRM_CAP)
    trial = _StillTrial()
    dog = watchdog.Watchdog(trial, timeout=0.1)
    dog.start()
    try:
        assert trial.reported.wait(REPORT_WAIT), "the watchdog never reported"
    finally:
        dog.finished.set()
    return trial


def test_a_call_with_a_thread_running_is_an_unconfirmed_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stop = threading.Event()
    block = bytes(1 << 20)

    def hash_forever() -> None:  # a CPU-bound stage: hashing runs without the GIL
        while not stop.is_set():
            hashlib.sha256(block).digest()

    spinner = threading.Thread(target=hash_forever, daemon=True)
    spinner.start()
    try:
        trial = _watch(monkeypatch)
    finally:
        stop.set()
        spinner.join(REPORT_WAIT)
    assert trial.report["confirmed"] is False
    assert trial.report["still_advancing"] is True
    assert trial.report["running"] is True  # the reason names what was seen: a runner,
    assert trial.report["moved"] is False  # not stage calls advancing
    assert trial.report["starved"] is False  # it had a CPU and used it
    assert trial.report["waited"] >= 0.1 + CONFIRM_CAP


def test_a_quiet_call_is_a_confirmed_hang_before_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    trial = _watch(monkeypatch)
    assert trial.report["confirmed"] is True
    assert trial.report["still_advancing"] is False
    assert trial.report["waited"] < 0.1 + CONFIRM_CAP


def test_a_runnable_call_given_no_cpu_is_starved_and_reported_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A loaded machine: the call's threads wait in the run queue and use no CPU time.
    That is no evidence of a hang; the look ends after the quiet spell, not at the cap."""
    monkeypatch.setattr(watchdog, "_any_runnable", lambda exclude_native: True)
    monkeypatch.setattr(watchdog, "_call_cpu", lambda exclude_native: 12.5)
    trial = _watch(monkeypatch)
    assert trial.report["starved"] is True
    assert trial.report["confirmed"] is False
    assert trial.report["waited"] < 0.1 + CONFIRM_CAP


def test_a_runnable_call_that_uses_the_cpu_is_not_starved(monkeypatch: pytest.MonkeyPatch) -> None:
    """A livelock: runnable and burning a whole CPU (the meter is the test's)."""
    monkeypatch.setattr(watchdog, "_any_runnable", lambda exclude_native: True)
    monkeypatch.setattr(watchdog, "_call_cpu", lambda exclude_native: time.monotonic())
    trial = _watch(monkeypatch)
    assert trial.report["starved"] is False
    assert trial.report["confirmed"] is False
    assert trial.report["waited"] >= 0.1 + CONFIRM_CAP
