"""The leak rule is decided at the 1.0 s grace: only a thread whose target has returned
(its stack is ``threading``'s own bootstrap) gets a moment more.  A thread parked in a
``threading`` wait, or in its own code, is not taken for one that is exiting (else a
pipeline whose workers linger past the grace would pass)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from stress.trial.child import _exiting


def _stack_is_exiting(make: Callable[[threading.Event], threading.Thread]) -> bool:
    """Start ``make(gate)``, wait until it is inside a ``wait``, judge its stack."""
    gate = threading.Event()
    thread = make(gate)
    thread.start()
    try:
        pause = threading.Event()
        for _ in range(5000):  # bounded: until the thread is inside its wait
            frame = sys._current_frames().get(thread.ident or 0)
            if frame is not None and frame.f_code.co_name == "wait":
                break
            pause.wait(0.002)
        return _exiting(sys._current_frames().get(thread.ident or 0))
    finally:
        gate.set()
        thread.join(10.0)
        assert not thread.is_alive()


def test_a_thread_whose_target_is_a_threading_wait_is_not_exiting() -> None:
    assert not _stack_is_exiting(lambda gate: threading.Thread(target=gate.wait, args=(10.0,)))


def test_a_thread_in_its_own_code_is_not_exiting() -> None:
    def own_code(gate: threading.Event) -> None:
        gate.wait(10.0)

    assert not _stack_is_exiting(lambda gate: threading.Thread(target=own_code, args=(gate,)))


def test_a_thread_without_python_frames_is_exiting() -> None:
    assert _exiting(None)
