"""Holds the GIL for minutes inside C code (a regular expression that backtracks
exponentially), so no Python thread of the trial -- the harness's watchdog included --
can run.  Only the parent's hard deadline can end such a trial."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"HANG"})
OPTIONS: dict[str, object] = {}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    re.match(r"(a+)+$", "a" * 40 + "b")  # never finishes in any useful time
    return []
