"""The interleaving zoo: a lost update and a lock-order deadlock whose windows are a few
bytecodes wide.  Plain threads never (lost update) or almost never (lock order) stop
there; the preempter opens the window; the twins with the fix never hang.

Each run is a forked child bounded by a deadline (a hang is the expected outcome), and
the child ends with ``os._exit``.
"""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Callable
from typing import Any

import pytest

from stress.core.config import TrialConfig
from stress.forms.workload import Workload
from stress.trial.preempt import Plan, Preempter
from tests.zoo import race_lock_order, race_lost_update

#: A call this long has hung (these runs take milliseconds): short where a hang is
#: expected, long where one would be a failure, so load on the machine is no alarm.
HANG_BOUND = 1.0
PASS_BOUND = 15.0
Pipeline = Callable[..., Any]


def _hangs(
    pipeline: Pipeline,
    workers: tuple[int, ...],
    items: int,
    plan: Plan | None,
    bound: float = PASS_BOUND,
) -> bool:
    """Run ``pipeline`` once in a child, under ``plan``; True if the call did not end."""
    config = TrialConfig(
        seed=plan.seed if plan else 0,
        k=plan.k if plan else 0,
        workers=workers,
        items=items,
        schedule="zero",
    )
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_fd)
            workload = Workload(config)
            preempter = Preempter(plan) if plan else None
            done: list[Any] = []

            def call() -> None:
                done.append(list(pipeline(workload.items, workload.stages, list(workers))))

            if preempter is not None:
                preempter.start()
            thread = threading.Thread(target=call, daemon=True)
            thread.start()
            thread.join(bound)
            ok = bool(done) and sorted(done[0]) == sorted(workload.expected())
            os.write(write_fd, b"hung" if thread.is_alive() else b"ok" if ok else b"wrong")
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], bound + 10.0)
        answer = os.read(read_fd, 16) if ready else b"silent"
    finally:
        os.close(read_fd)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert answer in (b"hung", b"ok"), answer
    return answer == b"hung"


def _plans(opcodes: bool, count: int) -> list[Plan]:
    return [
        Plan(seed=100 + i, k=i, share=0.1, hold_us=500.0, opcodes=opcodes) for i in range(count)
    ]


@pytest.mark.parametrize(
    ("module", "opcodes"),
    [(race_lost_update, True), (race_lock_order, False)],
    ids=["lost_update-opcodes", "lock_order-lines"],
)
def test_preemption_opens_the_window(module: Any, opcodes: bool) -> None:
    assert any(_hangs(module.pipeline, (4, 4), 12, plan, HANG_BOUND) for plan in _plans(opcodes, 8))


@pytest.mark.parametrize(
    "module", [race_lost_update, race_lock_order], ids=["lost_update", "lock_order"]
)
def test_the_twins_with_the_fix_never_hang_under_preemption(module: Any) -> None:
    for opcodes in (False, True):
        for plan in _plans(opcodes, 4):
            assert not _hangs(module.fixed_pipeline, (4, 4), 12, plan), plan


def test_plain_threads_never_split_the_lost_update() -> None:
    """No call between the read and the write: no thread switch can happen there."""
    hung = [_hangs(race_lost_update.pipeline, (4, 4), 12, None) for _ in range(6)]
    assert not any(hung)


def test_line_events_alone_cannot_split_a_one_line_update() -> None:
    hung = [_hangs(race_lost_update.pipeline, (4, 4), 12, plan) for plan in _plans(False, 4)]
    assert not any(hung)
