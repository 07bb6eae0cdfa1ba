"""The tests' own helpers for parked threads, checked on every interpreter.

``_parked_on`` must call a thread parked only while it still waits for a notify: from
3.14 a lock release hands the lock straight to a waiter that has waited over 1 ms, so
a notified waiter's lock stays locked until its thread runs, and the old test (the
waiter lock is held) read "parked" where the code had moved on: the tutorial tests
then reported hangs that were not there.  ``join_started`` must not raise on a thread
``threading.enumerate()`` lists while it is still starting (3.14t).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.tutorial_gates import TIMEOUT, _parked_on, join_started

pytestmark = pytest.mark.smoke


def _frame(thread: threading.Thread) -> object:
    return sys._current_frames().get(thread.ident or -1)


@contextmanager
def _waiting_on(condition: threading.Condition) -> Iterator[threading.Thread]:
    """A thread in an untimed ``condition.wait()``, parked (bounded poll), then released."""
    done = threading.Event()

    def wait() -> None:
        with condition:
            condition.wait()
        done.set()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    tick, deadline = threading.Event(), time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        frame = _frame(thread)
        if frame is not None and _parked_on(frame) is not None:  # type: ignore[arg-type]
            break
        tick.wait(0.002)
    else:
        raise AssertionError("the waiting thread never parked")
    tick.wait(0.005)  # past 3.14's 1 ms: a release now hands the lock straight over
    try:
        yield thread
    finally:
        with condition:
            condition.notify_all()
        done.wait(TIMEOUT)
        thread.join(TIMEOUT)


def test_a_thread_waiting_for_a_notify_is_parked_on_a_stable_token() -> None:
    condition = threading.Condition()
    with _waiting_on(condition) as thread:
        first = _parked_on(_frame(thread))  # type: ignore[arg-type]
        second = _parked_on(_frame(thread))  # type: ignore[arg-type]
        assert first is not None
        assert second is first


def test_a_notified_thread_is_not_parked_though_it_has_not_run_yet() -> None:
    condition = threading.Condition()
    with _waiting_on(condition) as thread, condition:
        condition.notify()  # we hold the condition's lock: the thread cannot move on yet
        assert _parked_on(_frame(thread)) is None  # type: ignore[arg-type]


def test_a_thread_still_starting_is_joined_without_an_error() -> None:
    never_started = threading.Thread(target=lambda: None)
    begun = time.monotonic()
    join_started(never_started, timeout=0.05)  # Thread.join would raise RuntimeError
    assert time.monotonic() - begun >= 0.05


def test_a_started_thread_is_joined() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    release.set()
    join_started(thread)
    assert not thread.is_alive()
