"""Items of a fixed pipeline: a pure function of (seed, group), the same in every process."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import strategies as st

from stress.core.errors import UsageError
from stress.forms.fixed.items import (
    default_items,
    digest,
    group_of,
    item_count,
    strategy_items,
)
from tests.stress_helpers import ROOT, stress_env


def test_counts_run_from_zero_to_hundreds_and_lean_small() -> None:
    counts = [item_count(7, g, 300) for g in range(400)]
    assert min(counts) == 0
    assert max(counts) > 100
    assert all(0 <= c <= 300 for c in counts)
    assert sum(c <= 5 for c in counts) > len(counts) / 4
    assert counts == [item_count(7, g, 300) for g in range(400)]
    assert all(item_count(7, g, 3) <= 3 for g in range(100))
    assert all(item_count(7, g, 0) == 0 for g in range(20))


def test_default_items_are_distinct_positive_ints_fixed_by_seed_and_group() -> None:
    items = default_items(3, 4, 200)
    assert len(set(items)) == 200
    assert all(type(x) is int and x > 0 for x in items)
    assert items == default_items(3, 4, 200)
    assert items != default_items(3, 5, 200)
    assert default_items(3, 4, 0) == []


def test_trials_of_one_group_share_their_items() -> None:
    assert [group_of(k, 3) for k in range(7)] == [0, 0, 0, 1, 1, 1, 2]
    assert group_of(5, 0) == 5


def test_a_strategy_draws_seeded_values_not_the_simplest_example() -> None:
    drawn = strategy_items(st.integers(), 1, 0, 30)
    assert len(drawn) == 30
    assert any(x != 0 for x in drawn)
    assert drawn == strategy_items(st.integers(), 1, 0, 30)
    assert drawn != strategy_items(st.integers(), 1, 1, 30)


def test_large_values_are_drawn_in_chunks_that_fit() -> None:
    drawn = strategy_items(st.text(min_size=60), 2, 0, 70)
    assert len(drawn) == 70
    assert all(len(x) >= 60 for x in drawn)


def test_something_that_is_not_a_strategy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="hypothesis strategy"):
        strategy_items([1, 2], 1, 0, 3)


def test_a_strategy_that_cannot_draw_is_a_one_line_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot draw") as caught:
        strategy_items(st.integers().filter(lambda _: False), 1, 0, 2)
    assert "\n" not in str(caught.value)


def test_the_digest_masks_memory_addresses() -> None:
    class Thing:
        pass

    assert digest([Thing()]) == digest([Thing()])
    assert digest([1, 2]) != digest([2, 1])


_CHILD = """
from hypothesis import strategies as st
from stress.forms.fixed.items import digest, strategy_items
awkward = st.one_of(st.none(), st.integers(), st.text(max_size=4), st.lists(st.booleans()))
print(digest(strategy_items(awkward, 11, 3, 90)))
"""


def test_a_strategy_draws_the_same_items_in_another_process() -> None:
    """Two processes running the same program (as a search and its replay do) agree.

    Hypothesis also draws constants found in the *local* modules a process has loaded,
    so a process with other modules loaded (this pytest worker) may draw other items;
    a replay checks the digest and says so (see :mod:`stress.forms.fixed.items`).
    """
    digests = set()
    for hash_seed in ("0", "123"):
        there = subprocess.run(
            [sys.executable, "-c", _CHILD],
            cwd=ROOT,
            env=stress_env(PYTHONHASHSEED=hash_seed),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        digests.add(there.stdout.strip())
    assert len(digests) == 1
