"""Interpreter state a trial's child resets before the target is imported.

Invariant: the target runs in its trial as it runs without the harness.  The child is
forked from the process that runs the search (the CLI, ``stress.check``, a pytest
gate), and a fork copies that process's state, some of which the target can see:

* tqdm: a monitor thread running in the parent (a progress bar of the harness or of
  the caller) does not exist in the child, but ``tqdm.tqdm.monitor`` still names it,
  so the target's first bar would start no monitor of its own and a leak it has in
  real life would pass.  The child forgets the parent's monitor.
* signal handlers: the parent's (a test runner's SIGINT or SIGTERM handler, say) are
  Python functions of the parent.  The child restores what CPython starts with:
  ``default_int_handler`` for SIGINT, SIGPIPE and SIGXFSZ ignored, the rest default.

What the harness itself changes in the child is deliberate and documented
(docs/stress.md): the switch interval a strategy draws, faulthandler on for stack
dumps, stdio redirected to the capture, and the pressure, patches and preemption of
the trial.  The harness sets no environment variable, logging handler or warnings
filter anywhere (tests/test_stress_pristine.py checks it).
"""

from __future__ import annotations

import contextlib
import signal
import sys

#: Signals CPython ignores at startup; every other one starts with its default action.
_STARTUP_IGNORED = {"SIGPIPE", "SIGXFSZ"}


def _startup_handler(number: signal.Signals) -> object:
    if number == signal.SIGINT:
        return signal.default_int_handler
    return signal.SIG_IGN if number.name in _STARTUP_IGNORED else signal.SIG_DFL


def reset_signals() -> None:
    """Every Python-level handler inherited from the parent back to CPython's start."""
    for value in signal.valid_signals():
        try:
            number = signal.Signals(value)  # real-time signals have no name: left alone
            current = signal.getsignal(number)
        except (OSError, ValueError):
            continue
        wanted = _startup_handler(number)
        if current is wanted or current is None:
            continue  # None: set from C (faulthandler's), not the parent's Python
        with contextlib.suppress(OSError, ValueError, RuntimeError):  # SIGKILL, SIGSTOP...
            signal.signal(number, wanted)  # type: ignore[arg-type]


def forget_tqdm_monitor() -> None:
    """The parent's tqdm monitor thread is not in this process: forget it."""
    tqdm_module = sys.modules.get("tqdm.std")
    if tqdm_module is not None:
        tqdm_module.tqdm.monitor = None


def restore() -> None:
    """Undo what the forking process left that the target could see (module doc)."""
    reset_signals()
    forget_tqdm_monitor()
