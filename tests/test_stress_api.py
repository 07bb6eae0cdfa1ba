"""``stress.check`` (CONTRACT.md section 4): callables and closures, the result object,
``DefectFound``'s fields, replay, ``Unsupported`` and ``UsageError``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from stress import DefectFound, Unsupported, UsageError, check

Stages = Sequence[Callable[[Any], Any]]


def _correct(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    values = list(items)
    for stage, width in zip(stages, workers, strict=True):
        with ThreadPoolExecutor(width) as pool:
            values = list(pool.map(stage, values))
    return values


def test_a_correct_callable_passes_and_the_result_says_what_was_explored() -> None:
    result = check(_correct, budget=1.0, seed=9)
    assert result.trials >= 1
    assert 1 <= result.configurations <= result.trials
    assert result.seed == 9
    assert result.skipped == 0
    assert result.results_checked is True


def test_a_closure_is_a_target_and_its_defect_is_raised_with_every_field() -> None:
    dropped: list[int] = [0]  # closed over: only fork can take this to a child

    def loses_the_last(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> Any:
        results = _correct(items, stages, workers)
        return results[: len(results) - 1 - dropped[0]] if results else results

    with pytest.raises(DefectFound) as caught:
        check(loses_the_last, budget=10.0, seed=3, faults=False, awkward=False)
    error = caught.value
    assert isinstance(error, AssertionError)
    assert error.category == "LOST"
    assert error.seed == 3
    assert isinstance(error.config, dict)
    assert error.config["seed"] == 3
    assert error.token.startswith("{")
    assert error.replay.startswith("check(")
    assert "replay=" in error.replay
    assert str(error).startswith("DEFECT LOST ")
    assert f"replay: {error.replay}" in str(error)

    with pytest.raises(DefectFound) as again:
        check(loses_the_last, replay=error.token, budget=5.0)
    assert again.value.config == error.config


def test_a_module_attribute_target_replays_as_a_command_line() -> None:
    with pytest.raises(DefectFound) as caught:
        check("tests.zoo.broken_wrong_fast_path:pipeline", seed=2, max_items=1, budget=20.0)
    assert caught.value.replay.startswith(
        "python -m stress run tests.zoo.broken_wrong_fast_path:pipeline --replay "
    )


def test_unsupported_trials_are_skipped_and_counted() -> None:
    result = check("tests.zoo.unsupported_two_stages:pipeline", budget=2.0, seed=1)
    assert result.skipped > 0
    assert result.trials > result.skipped


def test_pinned_shape_reaches_the_target() -> None:
    def records(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> Any:
        if tuple(workers) != (3, 1):
            raise Unsupported(f"saw {workers}")  # would make the search a usage error
        return _correct(items, stages, workers)

    result = check(records, budget=0.5, seed=1, stages=2, workers=[3, 1], max_items=4)
    assert result.skipped == 0


@pytest.mark.parametrize(
    ("target", "kwargs", "message"),
    [
        (_correct, {"mode": "bogus"}, "--mode"),
        (_correct, {"budget": 0}, "--budget"),
        (_correct, {"trial_timeout": -1.0}, "--trial-timeout"),
        (_correct, {"seed": -3}, "--seed"),
        (_correct, {"workers": [0]}, "--workers"),
        (_correct, {"stages": 2, "workers": [1, 2, 3]}, "--workers has 3 widths"),
        (_correct, {"replay": "{oops"}, "not valid JSON"),
        ("nope", {}, "unknown target 'nope'"),
        ("no_such_module_abc:f", {}, "cannot import module"),
        ("tests.zoo.unsupported_two_stages:missing", {}, "has no attribute"),
        ("tests.zoo.unsupported_two_stages:never", {"budget": 1.0}, "every trial"),
        (42, {}, "target must be a callable or a string"),
    ],
)
def test_bad_use_raises_usage_error_with_the_cli_message(
    target: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")) as caught:
        check(target, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)
