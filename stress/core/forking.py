"""``os.fork`` that never loses a Ctrl-C.

Invariant: a SIGINT that arrives while the harness forks reaches the harness as the
exception its handler raised (``KeyboardInterrupt``), in the parent, after the fork.

Why plain ``os.fork`` fails: the interpreter runs the at-fork callbacks other modules
register (``logging`` registers one) as Python code, and a signal handler may run inside
one of them. An exception raised there is printed as "Exception ignored in atfork
callback" and dropped, so the run goes on as if never interrupted (seen on CPython 3.14:
a Ctrl-C during a search was dropped and the run went on to its own verdict and exit 1,
not the contract's 130).

:func:`fork` holds the main thread's SIGINT handler back for the duration of the call
(a stand-in only notes the signal) and calls it in the parent once ``os.fork`` has
returned and the real handler is back. If that handler raises, the child just forked is
killed and reaped first, so a caller that never learns its pid leaks no process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType


def fork() -> int:
    """``os.fork()``; a SIGINT during it is handled in the parent after it, never dropped."""
    if threading.current_thread() is not threading.main_thread():
        return os.fork()  # handlers run only in the main thread: none can run in a callback
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        return os.fork()  # ignored or default: no Python code runs for SIGINT
    held: list[tuple[int, FrameType | None]] = []

    def note(number: int, frame: FrameType | None) -> None:
        held.append((number, frame))

    signal.signal(signal.SIGINT, note)
    pid = -1
    try:
        pid = os.fork()
    finally:
        signal.signal(signal.SIGINT, previous)
    if pid != 0 and held:
        try:
            previous(*held[0])
        except BaseException:
            _discard(pid)
            raise
    return pid


def _discard(pid: int) -> None:
    """Kill and reap a child the caller will never hear of."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
