"""Targets that tell, by losing their results, on how many CPUs their process may run.

``lose_unless_on_one_cpu`` returns nothing unless its process is restricted to one CPU
(what a scheduled trial's child is where the GIL is on: stress.scheduled.one_cpu);
``lose_if_on_one_cpu`` returns nothing if it is (a real-threads trial must never be:
its races need the threads to run at once).  ``lose_unless_on_the_allotted_cpu``
returns nothing unless it runs on the CPU its test allotted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from tests.replay_probes import run_stages


def _on_one_cpu() -> bool:
    return len(os.sched_getaffinity(0)) == 1


def lose_unless_on_one_cpu(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return run_stages(items, stages) if _on_one_cpu() else []


def lose_if_on_one_cpu(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return [] if _on_one_cpu() else run_stages(items, stages)


#: The CPU ``lose_unless_on_the_allotted_cpu`` must run on (set by the test that forks it).
EXPECTED_CPU_ENV = "STRESS_TEST_EXPECTED_CPU"


def lose_unless_on_the_allotted_cpu(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    expected = {int(os.environ[EXPECTED_CPU_ENV])}
    return run_stages(items, stages) if os.sched_getaffinity(0) == expected else []
