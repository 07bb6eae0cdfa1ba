"""Helpers for the harness's tests: run ``python -m stress`` in a child with a bound."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stress_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def started_with(
    argv: list[str], *, ignored: Sequence[int] = (), default: Sequence[int] = ()
) -> list[str]:
    """``argv``, exec'd by an interpreter that first sets these signals' dispositions,
    which the exec'd process inherits as if its parent had them (``nohup``, a shell's
    background job).  Not a ``preexec_fn``: Python code between fork and exec may
    deadlock in a test runner with threads."""
    setup = [f"signal.signal({int(n)}, signal.SIG_IGN)" for n in ignored]
    setup += [f"signal.signal({int(n)}, signal.SIG_DFL)" for n in default]
    code = (
        f"import os, signal, sys; {'; '.join(setup) or 'pass'}; os.execv(sys.argv[1], sys.argv[1:])"
    )
    return [sys.executable, "-c", code, *argv]


def run_python(
    *args: str,
    timeout: float = 60.0,
    ignored: Sequence[int] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` from the project root, ``env`` added to its environment and
    ``ignored`` signals ignored as if inherited (:func:`started_with`); fails the test
    at ``timeout``."""
    argv = [sys.executable, *args]
    return subprocess.run(
        started_with(argv, ignored=ignored) if ignored else argv,
        cwd=ROOT,
        env=stress_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def run_stress(*args: str, timeout: float = 60.0, **extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m stress ARGS``, ``extra`` in its environment (see :func:`run_python`)."""
    return run_python("-m", "stress", *args, timeout=timeout, env=extra)


def process_is_gone(pid: int, timeout: float = 5.0) -> bool:
    """True once ``pid`` has exited (a zombie counts); waits at most ``timeout``.

    A SIGKILL takes effect asynchronously, so the test waits on a pidfd, which becomes
    readable when the process exits.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(pidfd)
