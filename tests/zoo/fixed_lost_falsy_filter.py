"""LOST (with awkward items only): the reader skips falsy results as if they were gaps.

With distinct positive ints nothing is falsy; a strategy that draws ``0``, ``""`` or
``None`` (``--items``) shows the loss.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import strategies as st

EXPECTED = frozenset({"LOST"})
PATCH = ("tests.zoo.fixed_lost_falsy_filter:clean",)
EXPECT = "tests.zoo.fixed_lost_falsy_filter:clean"
ITEMS = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=2))


def clean(value: Any) -> Any:
    return value


def pipeline(values: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(3) as pool:
        return [v for v in pool.map(clean, values) if v]
