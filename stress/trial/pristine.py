"""Interpreter state a trial's child resets before the target is imported.

Invariant: the target runs in its trial as it runs without the harness.  The child is
forked from the process that runs the search (the CLI, ``stress.check``, a pytest
gate), and a fork copies that process's state.  The rule (docs/stress.md, "What a trial
inherits"): the caller's *configuration* is kept (warnings filters, logging levels and
the caller's own handlers, environment, working directory, recursion limit), as the
target would meet it if the caller called it; what belongs to the forking process's
threads or is collected into its memory for it to read later, and so means nothing
in the child, is put back as a fresh interpreter has it:

* tqdm: a monitor thread running in the parent (a progress bar of the harness or of
  the caller, on ``tqdm.tqdm`` or a subclass such as ``tqdm.auto.tqdm``) does not exist
  in the child, but the class's ``monitor`` still names it, so the target's first bar
  would start no monitor of its own and a leak it has in real life would pass.  And a
  tqdm write lock held by another thread of the parent at the fork stays held for good
  in the child: the target's first bar would wait forever, a false HANG.  The child
  forgets every tqdm class's monitor and lock, as a fresh import has none.
* signal handlers: the parent's (a test runner's SIGINT or SIGTERM handler, say) are
  Python functions of the parent.  The child restores what CPython starts with:
  ``default_int_handler`` for SIGINT, SIGPIPE and SIGXFSZ ignored, the rest default;
  but a signal this process found ignored when the harness was imported stays
  ignored, as it was inherited (``nohup`` ignores SIGHUP, a shell's background job
  SIGINT and SIGQUIT) and a fresh interpreter started in its place inherits it too.
* exception hooks (``sys.excepthook``, ``threading.excepthook``,
  ``sys.unraisablehook``): a test runner's (pytest's) collect a dying thread's
  exception into the parent's memory, where nobody reads it in the child; back to
  CPython's, which print it to the trial's captured output, shown in the report.
* a test runner's log capture (pytest's handlers on the root logger) collects records
  the same way; removed, so a record reaches the caller's other handlers or, with none,
  logging's last resort on the captured stderr, as in a plain run.

What the harness itself changes in the child is deliberate and documented
(docs/stress.md): the switch interval a strategy draws, faulthandler on for stack
dumps, stdio on the capture (stdin reads nothing), and the pressure, patches and
preemption of the trial.  The harness sets no environment variable, logging handler,
warnings filter or tqdm setting anywhere (tests/test_stress_pristine.py compares a
trial's state with a fresh interpreter's).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Any

#: Signals CPython ignores at startup; every other one starts with its default action.
_STARTUP_IGNORED = {"SIGPIPE", "SIGXFSZ"}
#: Modules whose logging handlers are a test runner's capture, not the caller's output.
_RUNNER_CAPTURE_MODULES = ("_pytest.",)


def _ignored_now() -> frozenset[int]:
    found = set()
    for value in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError):
            if signal.getsignal(value) is signal.SIG_IGN:
                found.add(int(value))
    return frozenset(found)


#: Signals ignored when the harness was imported: inherited (see the module's doc).
_INHERITED_IGNORED = _ignored_now() - {int(getattr(signal, name)) for name in _STARTUP_IGNORED}


def _startup_handler(number: signal.Signals) -> object:
    if int(number) in _INHERITED_IGNORED:
        return signal.SIG_IGN
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


def _tqdm_classes(root: type) -> list[type]:
    """``root`` and every subclass of it that exists now (``tqdm.auto.tqdm``, ...)."""
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return found


def forget_tqdm_threads() -> None:
    """tqdm as a fresh import has it: no monitor thread, no lock of the parent's.

    Only if the parent imported tqdm; nothing is imported here.
    """
    tqdm_module: Any = sys.modules.get("tqdm.std")
    if tqdm_module is None:
        return
    for cls in _tqdm_classes(tqdm_module.tqdm):
        if "monitor" in vars(cls):
            cls.monitor = None  # type: ignore[attr-defined]  # tqdm's class attribute
        if "_lock" in vars(cls):
            delattr(cls, "_lock")  # get_lock() makes a new one on the first bar
    writer = getattr(tqdm_module, "TqdmDefaultWriteLock", None)
    if writer is not None:
        writer.th_lock = threading.RLock()
        if "mp_lock" in vars(writer):
            delattr(writer, "mp_lock")  # the parent's process-shared lock: made anew


def reset_exception_hooks() -> None:
    """The exception hooks back to CPython's, which print to the trial's capture."""
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__
    sys.unraisablehook = sys.__unraisablehook__


def drop_runner_log_capture() -> None:
    """Remove a test runner's capture handlers from the root logger (the module doc)."""
    logging_module: Any = sys.modules.get("logging")
    if logging_module is None:
        return
    root = logging_module.getLogger()
    for handler in list(root.handlers):
        if type(handler).__module__.startswith(_RUNNER_CAPTURE_MODULES):
            root.removeHandler(handler)


def restore() -> None:
    """Undo what the forking process left that the target could see (module doc)."""
    reset_signals()
    reset_exception_hooks()
    drop_runner_log_capture()
    forget_tqdm_threads()
