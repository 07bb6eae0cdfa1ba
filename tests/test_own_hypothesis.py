"""countdown and queue_shutdown deliver every result exactly once, whatever the shape.

Hypothesis draws 1 to 5 stages of 1 to 64 workers each (widths differ), 0 to 10,000
items (the large counts in few examples, to keep CI's profile fast), duplicates, and
maxsize 0, 1 or small; and, separately, one failing (stage, item) anywhere.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.test_own_support import OWN, assert_no_thread_of, multiset, run_to_end

pytestmark = pytest.mark.smoke

widths = st.lists(
    st.one_of(st.integers(1, 6), st.integers(1, 64)), min_size=1, max_size=5
)  # mostly narrow stages, sometimes very wide ones
#: Usually up to a few hundred items; about one example in ten has 1,000 to 10,000.
counts = st.integers(0, 9).flatmap(
    lambda r: st.integers(1_000, 10_000) if r == 9 else st.integers(0, 300)
)
maxsizes = st.sampled_from([0, 1, 2, 5])


def _adder(k: int) -> Any:
    def stage(x: int) -> int:
        return x * 7 + k

    return stage


@pytest.mark.parametrize("name", OWN)
@given(workers=widths, n=counts, maxsize=maxsizes, distinct=st.integers(1, 50))
@example(workers=[64, 1, 17, 2, 64], n=10_000, maxsize=1, distinct=10_000)
@example(workers=[1, 1, 1, 1, 1], n=10_000, maxsize=0, distinct=3)
def test_exactly_once_for_any_shape(
    name: str, workers: list[int], n: int, maxsize: int, distinct: int
) -> None:
    event("1,000 items or more" if n >= 1_000 else "under 1,000 items")
    event(f"maxsize {maxsize}")
    items = [i % distinct for i in range(n)]  # duplicates on purpose
    stages = [_adder(k) for k in range(len(workers))]
    expected = items
    for stage in stages:
        expected = [stage(x) for x in expected]
    results = run_to_end(name, items, stages, workers, maxsize)
    assert multiset(results) == multiset(expected), (workers, n, maxsize)
    assert_no_thread_of(name)


class Planted(Exception):
    """The one exception a test plants in one stage, on one item."""


@pytest.mark.parametrize("name", OWN)
@given(data=st.data(), workers=widths, maxsize=maxsizes)
def test_an_exception_from_any_stage_on_any_item_reaches_the_caller(
    name: str, data: st.DataObject, workers: list[int], maxsize: int
) -> None:
    n = data.draw(st.integers(1, 200), label="n")
    failing_stage = data.draw(st.integers(0, len(workers) - 1), label="failing_stage")
    failing_item = data.draw(st.integers(0, n - 1), label="failing_item")
    planted = Planted(failing_stage, failing_item)

    def stage_for(k: int) -> Any:
        def stage(x: int) -> int:
            if k == failing_stage and x == failing_item:
                raise planted
            return x

        return stage

    with pytest.raises(Planted) as caught:
        run_to_end(name, range(n), [stage_for(k) for k in range(len(workers))], workers, maxsize)
    assert caught.value is planted
    assert_no_thread_of(name)
