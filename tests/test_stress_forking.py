"""A Ctrl-C while the harness forks is never dropped (stress/core/forking.py).

CPython runs at-fork callbacks as Python code and drops what a signal handler raises
inside one ("Exception ignored in atfork callback"). The 3.14 CI once lost a Ctrl-C that
way: the run went on to exit 1 instead of 130. Here an at-fork callback raises SIGINT in
the parent at exactly that moment, so the race is forced on every run.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from collections.abc import Callable, Iterator

import pytest

from stress.core import forking


class _Forced:
    """While ``on``: the child tells its pid first thing, then the parent is interrupted."""

    on = False
    pipe = (-1, -1)
    child = -1


def _tell_the_pid() -> None:
    if _Forced.on:
        os.write(_Forced.pipe[1], str(os.getpid()).encode())


def _interrupt_inside_the_callback() -> None:
    if _Forced.on:
        ready, _, _ = select.select([_Forced.pipe[0]], [], [], 10.0)
        assert ready, "the child never said its pid"
        _Forced.child = int(os.read(_Forced.pipe[0], 32))
        signal.raise_signal(signal.SIGINT)  # its handler runs here, inside the callback


os.register_at_fork(after_in_child=_tell_the_pid, after_in_parent=_interrupt_inside_the_callback)


@pytest.fixture
def dropped() -> Iterator[list[type[BaseException] | None]]:
    """Every fork is interrupted in its parent-side callback; yields what CPython dropped."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    seen: list[type[BaseException] | None] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: seen.append(unraisable.exc_type)
    _Forced.pipe, _Forced.child, _Forced.on = os.pipe(), -1, True
    try:
        yield seen
    finally:
        _Forced.on = False
        sys.unraisablehook = hook
        signal.signal(signal.SIGINT, previous)
        for fd in _Forced.pipe:
            os.close(fd)


def _fork_a_waiting_child(fork: Callable[[], int]) -> int | None:
    """What ``fork`` returned in the parent, ``None`` if it raised ``KeyboardInterrupt``."""
    try:
        returned = fork()
    except KeyboardInterrupt:
        return None
    if returned == 0:  # pragma: no cover - the child
        select.select([], [], [], 30.0)  # killed by the harness or by the test
        os._exit(0)
    return returned


def _reaped(pid: int) -> bool:
    """Whether ``pid`` was already reaped; if not, it is killed and reaped now."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def test_an_interrupt_during_the_fork_reaches_the_parent_and_leaves_no_child(
    dropped: list[type[BaseException] | None],
) -> None:
    returned = _fork_a_waiting_child(forking.fork)
    assert _Forced.child > 0
    assert _reaped(_Forced.child), "the child the caller never heard of was left running"
    assert returned is None, "the interrupt was dropped"
    assert dropped == []


def test_plain_os_fork_drops_the_interrupt_here(
    dropped: list[type[BaseException] | None],
) -> None:
    """The forced schedule is real: plain ``os.fork`` loses the interrupt under it."""
    returned = _fork_a_waiting_child(os.fork)
    assert returned == _Forced.child
    assert not _reaped(_Forced.child)
    assert dropped == [KeyboardInterrupt]


def test_without_an_interrupt_the_fork_is_plain() -> None:
    returned = _fork_a_waiting_child(forking.fork)
    assert returned is not None
    assert returned > 0
    assert not _reaped(returned)  # it was running until this cleanup killed it
