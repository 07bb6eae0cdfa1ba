"""A target that writes down the interpreter state it meets, at import and in its call.

tests/test_stress_pristine.py runs it once in a fresh interpreter and once in a trial
and compares: whatever differs is what the harness (or the process that forked the
trial) changed for the target.  The state goes, as JSON, to the file named by the
environment variable ``STRESS_PRISTINE_PROBE`` (set alike for both runs).
"""

from __future__ import annotations

import faulthandler
import gc
import json
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import tqdm

OUT_ENV = "STRESS_PRISTINE_PROBE"


def _signals() -> dict[str, str]:
    handlers = {}
    for number in signal.valid_signals():
        try:
            handlers[str(number)] = repr(signal.getsignal(number))
        except (OSError, ValueError):
            continue
    return handlers


def _tqdm() -> dict[str, object]:
    std: Any = tqdm.std  # its stubs do not name the write lock's class
    writer = std.TqdmDefaultWriteLock
    return {
        "monitor_interval": tqdm.tqdm.monitor_interval,
        "monitor": repr(tqdm.tqdm.monitor),
        "lock": "_lock" in vars(tqdm.tqdm),
        "mp_lock": "mp_lock" in vars(writer),
        "th_lock_free": _free(writer.th_lock),
    }


def _free(lock: Any) -> bool:
    """True when no thread holds ``lock`` (taken and given back at once)."""
    if not lock.acquire(blocking=False):
        return False
    lock.release()
    return True


def _stdin() -> str:
    """What reading stdin gives: '' at its end, or the error a stand-in raises."""
    try:
        return repr(sys.stdin.read(1))
    except Exception as error:  # pytest's stand-in raises OSError
        return f"{type(error).__name__}: {error}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def state() -> dict[str, object]:
    """What a target can see of the process-wide state (module doc)."""
    root = logging.getLogger()
    return {
        "environ": dict(os.environ),
        "warnings_filters": [repr(entry) for entry in warnings.filters],
        "root_handlers": [type(handler).__qualname__ for handler in root.handlers],
        "root_level": root.level,
        "logging_disabled": logging.root.manager.disable,
        "signals": _signals(),
        "excepthook": sys.excepthook is sys.__excepthook__,
        "threading_excepthook": threading.excepthook is threading.__excepthook__,
        "unraisablehook": sys.unraisablehook is sys.__unraisablehook__,
        "recursion_limit": sys.getrecursionlimit(),
        "gc": [gc.isenabled(), list(gc.get_threshold())],
        "umask": _umask(),
        "cwd": os.getcwd(),
        "stack_size": threading.stack_size(),
        "switch_interval": sys.getswitchinterval(),
        "stdin": _stdin(),
        "faulthandler": faulthandler.is_enabled(),
        "tqdm": _tqdm(),
    }


AT_IMPORT = {**state(), "threads": [t.name for t in threading.enumerate()]}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    with open(os.environ[OUT_ENV], "w", encoding="utf-8") as out:
        json.dump({"import": AT_IMPORT, "call": state()}, out, indent=1, sort_keys=True)
    values = list(items)
    for stage in stages:
        values = [stage(value) for value in values]
    return values


if __name__ == "__main__":
    pipeline([1], [str], [1])
