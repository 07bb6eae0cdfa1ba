"""``stress.check`` and the ``stress_check`` fixture on fixed pipelines, ``pipeline(items)``."""

from __future__ import annotations

from typing import Any

import pytest

from stress import DefectFound, UsageError, check
from stress.forms.fixed.spec import takes_items_only
from tests.zoo import (
    fixed_correct_class,
    fixed_correct_threads,
    fixed_leak_class_stages,
    fixed_lost_pool_sentinel,
    fixed_stages,
    fixed_swallow_as_completed,
)


@pytest.mark.parametrize(
    ("module", "category", "options"),
    [
        (fixed_lost_pool_sentinel, "LOST", {"faults": False}),
        (fixed_swallow_as_completed, "SWALLOWED_ERROR", {}),
        (fixed_leak_class_stages, "LEAKED_WORKER", {"faults": False}),
    ],
    ids=lambda value: getattr(value, "__name__", "").rpartition(".")[2] or None,
)
def test_check_finds_each_defect_of_a_fixed_pipeline(
    module: Any, category: str, options: dict[str, Any]
) -> None:
    with pytest.raises(DefectFound) as caught:
        check(
            module.pipeline,
            fixed=True,
            patch=list(module.PATCH),
            expect=module.EXPECT,
            budget=6,
            seed=3,
            **options,
        )
    assert caught.value.category == category, str(caught.value)[:3000]
    assert "fixed=True" in caught.value.replay
    assert "patch=[" in caught.value.replay


def test_a_closure_target_and_a_function_expectation_pass_when_correct() -> None:
    def pipeline(items: list[Any]) -> list[int]:
        return fixed_correct_threads.pipeline(items)

    result = check(
        pipeline,
        patch=list(fixed_correct_threads.PATCH),
        expect=fixed_correct_threads.expected,
        budget=2,
        seed=6,
    )
    assert result.trials > 0
    assert result.results_checked


def test_a_one_argument_target_is_fixed_by_its_signature_and_reports_unchecked() -> None:
    result = check(fixed_correct_class.pipeline, budget=1, seed=2)
    assert not result.results_checked
    result = check("tests.zoo.fixed_correct_class:pipeline", budget=1, seed=2)
    assert not result.results_checked


def test_which_signatures_are_fixed() -> None:
    def items_only(items: list[Any]) -> None: ...
    def with_defaults(items: list[Any], workers: int = 4, *, name: str = "x") -> None: ...
    def generalised(items: Any, stages: Any, workers: Any) -> None: ...
    def keyword_only(*, items: Any) -> None: ...
    def anything(*args: Any) -> None: ...

    assert takes_items_only(items_only)
    assert takes_items_only(with_defaults)
    assert not takes_items_only(generalised)
    assert not takes_items_only(keyword_only)
    assert not takes_items_only(anything)


def test_a_patch_never_called_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="never called"):
        check(
            fixed_correct_threads.pipeline,
            patch=["tests.zoo.fixed_stages:fetch"],
            budget=20,
            seed=1,
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"patch": ["nonsense"]}, "MODULE:ATTR"),
        ({"expect": 3}, "--expect"),
        ({"items": [1, 2]}, "hypothesis strategy"),
        ({"fixed": True, "stages": 2}, "--stages"),
    ],
)
def test_bad_fixed_options_are_usage_errors_before_any_trial(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        check(fixed_correct_threads.pipeline, budget=1, **options)


def test_the_user_process_is_never_patched() -> None:
    original = fixed_stages.fetch
    check(
        "tests.zoo.fixed_correct_pool_sentinel:pipeline",
        patch=["tests.zoo.fixed_stages:fetch", "tests.zoo.fixed_stages:parse"],
        budget=1,
        seed=1,
    )
    assert fixed_stages.fetch is original
    assert not hasattr(fixed_stages.fetch, "__stress_patch__")


@pytest.mark.stress(budget=2, seed=7, expect="tests.zoo.fixed_correct_threads:expected")
def test_the_pytest_gate_takes_the_fixed_options(stress_check: Any) -> None:
    result = stress_check(fixed_correct_threads.pipeline, patch=list(fixed_correct_threads.PATCH))
    assert result.results_checked
