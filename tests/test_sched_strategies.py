"""Strategies are functions of their seed: the same (seed, k) gives the same choices."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from stress.scheduled.strategies import PCT, RandomWalk, Replay, draw, from_description


def _choices(strategy: RandomWalk | PCT, threads: int = 4, points: int = 200) -> list[int]:
    for index in range(threads):
        strategy.new_thread(index)
    return [strategy.choose(list(range(threads))) for _ in range(points)]


def test_draw_is_a_function_of_seed_and_k() -> None:
    for k in range(20):
        first, second = draw(7, k), draw(7, k)
        assert first.describe() == second.describe()
        assert isinstance(first, RandomWalk | PCT)
        assert isinstance(second, RandomWalk | PCT)
        assert _choices(first) == _choices(second)


def test_the_portfolio_draws_the_random_walk_and_pct_of_depth_one_to_three() -> None:
    kinds = Counter(
        (d["kind"], d.get("depth")) for d in (draw(1, k).describe() for k in range(400))
    )
    assert set(kinds) == {("random", None), ("pct", 1), ("pct", 2), ("pct", 3)}
    assert all(count > 40 for count in kinds.values())


def test_pct_of_depth_one_runs_the_highest_priority_thread_until_it_blocks() -> None:
    pct = PCT(seed=3, depth=1, steps=50)
    picks = _choices(pct)
    assert len(set(picks)) == 1  # no change point: one thread keeps the processor
    top = picks[0]
    others = [t for t in range(4) if t != top]
    assert pct.choose(others) in others


@pytest.mark.parametrize("depth", [2, 3])
def test_pct_changes_priority_depth_minus_one_times(depth: int) -> None:
    pct = PCT(seed=11, depth=depth, steps=30)
    picks = _choices(pct, points=30)
    switches = sum(1 for a, b in itertools.pairwise(picks) if a != b)
    assert switches == depth - 1


def test_a_replay_gives_its_decisions_then_reports_it_ran_out() -> None:
    replay = Replay([2, 0, 1])
    assert [replay.choose([0, 1, 2]) for _ in range(3)] == [2, 0, 1]
    assert replay.complete
    assert replay.choose([0, 1]) == -1


def test_a_described_strategy_is_rebuilt_identically() -> None:
    for k in range(10):
        original = draw(5, k)
        rebuilt = from_description(original.describe())
        assert isinstance(rebuilt, RandomWalk | PCT)
        again = draw(5, k)
        assert isinstance(again, RandomWalk | PCT)
        assert _choices(rebuilt) == _choices(again)


def test_a_draw_like_a_find_keeps_its_kind_and_depth_and_its_own_seed() -> None:
    """A shrink's candidates draw every schedule like the find's (the window it met is
    met again sooner): same kind and depth; where the portfolio drew that kind anyway,
    the very same strategy."""
    walk, pct2 = RandomWalk(5), PCT(5, depth=2, steps=100)
    same = 0
    for k in range(100):
        plain = draw(3, k).describe()
        for like in (walk, pct2):
            got = draw(3, k, like=like).describe()
            assert got["kind"] == like.describe()["kind"]
            assert got.get("depth") == like.describe().get("depth")
            assert got["seed"] == plain["seed"]
            if (plain["kind"], plain.get("depth")) == (got["kind"], got.get("depth")):
                assert got == plain
                same += 1
    assert same > 20
