"""Helpers for the harness's tests: run ``python -m stress`` in a child with a bound."""

from __future__ import annotations

import os
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


def process_is_gone(pid: int) -> bool:
    """True if ``pid`` no longer runs (gone, or a zombie nobody has reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")
