"""The stand-ins behave as CPython's primitives: one body each, run on both.

Each body in tests/sched_jobs.py records what a primitive did (results, exceptions
and their messages, timeouts that must expire); it runs once in a child on the real
primitives and, in another child, under the scheduler with three random-walk seeds.
The lists must be equal, so a stand-in that differs in any observed way fails here.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from stress.scheduled.child import run_job
from tests.sched_jobs import BODIES

#: Real seconds a child may take (it normally takes well under one).
CHILD_TIMEOUT = 120.0
SEEDS = [1, 2, 3]


@functools.cache
def _observed(stand_ins: bool) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = run_job(
        "tests.sched_jobs:semantics",
        {"seeds": SEEDS},
        timeout=CHILD_TIMEOUT,
        stand_ins=stand_ins,
    )
    return found


@pytest.mark.parametrize("primitive", sorted(BODIES))
def test_a_stand_in_behaves_as_the_real_primitive(primitive: str) -> None:
    real = _observed(False)[primitive]
    controlled = _observed(True)[primitive]
    assert len(real) == 1
    assert controlled == real * len(SEEDS)
