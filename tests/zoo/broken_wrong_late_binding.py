"""WRONG_VALUE: wrappers are lambdas over the loop variable, so with two or more stages
every step runs the last stage (Python's late binding of closures)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"WRONG_VALUE"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    steps = [lambda x: stage(x) for stage in stages]  # noqa: B023, PLW0108 -- the defect
    values = list(items)
    with ThreadPoolExecutor(max(workers)) as pool:
        for step in steps:
            values = list(pool.map(step, values))
    return values
