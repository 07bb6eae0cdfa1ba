"""Bytecode points skip the bytecodes that touch only the running frame.

A switch just before ``LOAD_FAST`` or ``STORE_FAST`` (or a constant, a stack shuffle, a
jump within the frame) is the same interleaving as a switch before the next bytecode
that touches anything else, so such points only cost steps: on countdown 2 x 2 x 4 an
ops schedule took about 2,200 steps and 5 to 13 ms.  Each point that stays is at a
bytecode another thread can observe or affect (a subscript, an attribute, a global,
a cell, an operator, a call).
"""

from __future__ import annotations

from stress.scheduled.child import run_job

CHILD_TIMEOUT = 120.0


def test_a_point_comes_at_each_line_and_before_each_bytecode_another_thread_can_see() -> None:
    seen = run_job("tests.sched_jobs:bytecode_points", {}, timeout=CHILD_TIMEOUT)
    assert seen["frame_only"], "the function has frame-only bytecodes to skip"
    assert "STORE_SUBSCR" in seen["outside"]
    assert "BINARY_SUBSCR" in seen["outside"] or "BINARY_OP" in seen["outside"]
    assert seen["events"] == seen["lines"] + len(seen["outside"]), seen


def test_a_schedule_takes_the_same_points_whatever_ran_before_it_in_the_process() -> None:
    """A trial's child keeps one monitoring tool across its schedules (3.12+): a
    schedule of each kind must take what it takes in a fresh child (where its replay
    runs), however the earlier ones disabled locations."""
    first = run_job("tests.sched_jobs:points_in_turn", {"kinds": ["ops"]}, timeout=CHILD_TIMEOUT)
    lines = run_job("tests.sched_jobs:points_in_turn", {"kinds": ["lines"]}, timeout=CHILD_TIMEOUT)
    sync = run_job("tests.sched_jobs:points_in_turn", {"kinds": ["sync"]}, timeout=CHILD_TIMEOUT)
    kinds = ["lines", "sync", "ops", "sync", "lines", "ops", "lines", "sync"]
    in_turn = run_job("tests.sched_jobs:points_in_turn", {"kinds": kinds}, timeout=CHILD_TIMEOUT)
    alone = {"ops": first[0], "lines": lines[0], "sync": sync[0]}
    assert alone["sync"] < alone["lines"] < alone["ops"], alone
    assert in_turn == [alone[kind] for kind in kinds]
