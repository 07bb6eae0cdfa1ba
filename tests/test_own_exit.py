"""A caller that dies mid-run still gets a clean shutdown (child interpreters).

The child registers an exit hook *before* importing ``reference``; exit hooks run last
registered first, so it runs after the designs' own hook and reports which of the run's
threads are still alive.  A design that leaves a worker blocked makes the child hang
(the tutorial's ``separate_pools`` and ``counted`` do) and the bounded wait fails.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
import weakref

import pytest

import reference
from reference import _streaming
from tests.test_own_support import OWN, TIMEOUT

pytestmark = pytest.mark.smoke

CHILD_TIMEOUT = 60.0

PRELUDE = """
import atexit, itertools, threading

def report():
    alive = [t.name for t in threading.enumerate() if t.name.startswith(NAME + "-")]
    print("alive at exit:", alive, flush=True)

atexit.register(report)
import reference
target = reference.make(NAME, maxsize=MAXSIZE)
"""

#: How the caller dies, each a module body run after PRELUDE.
CALLERS = {
    "raises_in_a_for_loop": """
for value in target(itertools.count(), [abs, abs], [5, 5]):
    if value == 5:
        raise RuntimeError("caller failed")
""",
    "raises_in_a_with_block": """
def main():
    with target(itertools.count(), [abs, abs], [5, 5]) as stream:
        next(stream)
        raise RuntimeError("caller failed")
main()
""",
    "raises_with_the_stream_kept_in_a_global": """
stream = target(itertools.count(), [abs, abs], [5, 5])
next(stream)
raise RuntimeError("caller failed")
""",
    "exits_without_reading": """
stream = target(itertools.count(), [abs, abs], [5, 5])
raise RuntimeError("caller failed")
""",
}


def run_child(name: str, maxsize: int, body: str) -> subprocess.CompletedProcess[str]:
    """Run PRELUDE + body for variant ``name`` in a fresh interpreter, bounded."""
    source = f"NAME = {name!r}\nMAXSIZE = {maxsize}\n" + PRELUDE + textwrap.dedent(body)
    try:
        return subprocess.run(
            [sys.executable, "-c", source],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as hang:
        pytest.fail(f"{name}: the child did not exit within {CHILD_TIMEOUT} s: {hang.stderr!r}")


@pytest.mark.parametrize("maxsize", [0, 1])
@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("name", OWN)
def test_a_caller_that_raises_mid_run_exits_cleanly(name: str, caller: str, maxsize: int) -> None:
    done = run_child(name, maxsize, CALLERS[caller])
    assert done.returncode == 1, done.stderr
    assert done.stderr.rstrip().endswith("RuntimeError: caller failed"), done.stderr
    assert "Exception in thread" not in done.stderr
    assert done.stdout.splitlines() == ["alive at exit: []"]


@pytest.mark.parametrize("name", OWN)
def test_the_exit_hook_joins_the_threads_of_a_run_already_freed(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dropped stream's run is freed once its threads' targets return, a moment
    before those threads end.  The exit hook must still join them, or a worker is
    alive at exit (1-2 % of the child runs above on a loaded 2-core machine).  Here
    the moment is held open: each of the run's threads parks just before it leaves
    ``threading``'s table, until somebody joins it."""
    parked = threading.Semaphore(0)
    release = threading.Event()
    joined: list[str] = []
    real_delete, real_join = threading.Thread._delete, threading.Thread.join  # type: ignore[attr-defined]

    def parked_delete(thread: threading.Thread) -> None:
        if thread.name.startswith(name + "-"):
            parked.release()
            release.wait(TIMEOUT)
        real_delete(thread)

    def recording_join(thread: threading.Thread, timeout: float | None = None) -> None:
        if thread.name.startswith(name + "-"):
            joined.append(thread.name)
            release.set()
        real_join(thread, timeout)

    monkeypatch.setattr(threading.Thread, "_delete", parked_delete)
    monkeypatch.setattr(threading.Thread, "join", recording_join)
    stream = reference.make(name)([1], [abs], [1])
    names = sorted(thread.name for thread in stream._run._threads)  # type: ignore[attr-defined]
    run = weakref.ref(stream._run)  # type: ignore[attr-defined]
    del stream  # dropped unread: cancelled, never joined
    gc.collect()
    try:
        for _ in names:  # the one worker, and a feeder if the design has one
            assert parked.acquire(timeout=TIMEOUT), "a thread of the run never ended"
        gc.collect()
        assert run() is None, "the run should be freed once its threads' targets return"
        _streaming._end_live_runs()
    finally:
        release.set()
    assert f"{name}-s0-w0" in names
    assert sorted(joined) == names
