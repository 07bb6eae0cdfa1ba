"""Run a function in a forked child and get its JSON-able result back, with a bound.

Patching and pressure change modules process-wide, so the tests that install them do
it in a child: the test process stays untouched.  The child ends with ``os._exit``;
the parent kills it at the bound and fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import traceback
from collections.abc import Callable
from typing import Any

BOUND = 30.0


def in_child(func: Callable[[], Any], bound: float = BOUND) -> Any:
    """``func()`` run in a forked child; its exception is re-raised as AssertionError."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read)
        try:
            message = {"ok": func()}
        except BaseException as error:
            message = {"error": "".join(traceback.format_exception(error))}
        try:
            os.write(write, json.dumps(message, default=repr).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    try:
        with os.fdopen(read, "rb") as stream:
            ready, _, _ = select.select([stream], [], [], bound)
            assert ready, f"the child did not answer within {bound} s"
            data = stream.read()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    message = json.loads(data)
    if "error" in message:
        raise AssertionError(f"in the child:\n{message['error']}")
    return message["ok"]
