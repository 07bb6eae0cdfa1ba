"""Helpers for the harness's tests: run ``python -m stress`` in a child with a bound."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stress_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def run_stress(*args: str, timeout: float = 60.0, **extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m stress ARGS`` from the project root; fails the test at ``timeout``."""
    return subprocess.run(
        [sys.executable, "-m", "stress", *args],
        cwd=ROOT,
        env=stress_env(**extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


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
