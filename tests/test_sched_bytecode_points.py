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
