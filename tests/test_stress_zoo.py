"""Every zoo pipeline through ``stress.check``: broken ones are caught with the right
category, correct ones pass.  Fixed seeds and small budgets keep this fast; the slow
campaign gives the correct ones the default 30 s budget."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import tests.zoo
from stress import DefectFound, check

ZOO = sorted(
    info.name
    for info in pkgutil.iter_modules(tests.zoo.__path__)
    if info.name.startswith(("broken_", "correct_"))
)
BROKEN = [name for name in ZOO if name.startswith("broken_")]
CORRECT = [name for name in ZOO if name.startswith("correct_")]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"tests.zoo.{name}")


def test_the_zoo_has_several_pipelines_per_category() -> None:
    counts: dict[str, int] = {}
    for name in BROKEN:
        for category in _module(name).EXPECTED:
            counts[category] = counts.get(category, 0) + 1
    for category in ("HANG", "SWALLOWED_ERROR", "UNEXPECTED_ERROR", "WRONG_VALUE"):
        assert counts.get(category, 0) >= 2, category
    for category in ("DUPLICATED", "LOST", "LEAKED_WORKER"):
        assert counts.get(category, 0) >= 3, category
    assert len(CORRECT) >= 4


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_pipeline_is_reported_with_its_category(name: str) -> None:
    module = _module(name)
    with pytest.raises(DefectFound) as caught:
        check(
            f"tests.zoo.{name}:pipeline",
            budget=15.0,
            seed=3,
            trial_timeout=1.0,
            **module.OPTIONS,
        )
    assert caught.value.category in module.EXPECTED, str(caught.value)[:2000]
    first = str(caught.value).splitlines()[0]
    assert first.startswith(f"DEFECT {caught.value.category} ")


@pytest.mark.parametrize("name", CORRECT)
def test_a_correct_pipeline_passes_a_short_search(name: str) -> None:
    result = check(f"tests.zoo.{name}:pipeline", budget=3.0, seed=5)
    assert result.trials > 0
    assert result.skipped == 0
    assert result.results_checked


@pytest.mark.slow
@pytest.mark.parametrize("name", CORRECT)
def test_a_correct_pipeline_passes_a_full_default_search(name: str) -> None:
    result = check(f"tests.zoo.{name}:pipeline", budget=30.0)
    assert result.trials > 100
