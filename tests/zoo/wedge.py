"""The never-wedge scenario: the call never returns; it leaves non-daemon threads that
block interpreter exit and a child process that sleeps for an hour.  The child's pid is
written to the file named by ``STRESS_TEST_PIDFILE`` so a test can see it was killed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    child = subprocess.Popen(
        [sys.executable, "-c", "import signal; signal.pause()"],  # blocks until killed
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pidfile = os.environ.get("STRESS_TEST_PIDFILE")
    if pidfile:
        with open(pidfile, "a", encoding="utf-8") as handle:
            handle.write(f"{child.pid}\n")
    never = threading.Event()
    for i in range(3):
        threading.Thread(target=never.wait, name=f"forever-{i}").start()  # non-daemon
    never.wait()
    return []
