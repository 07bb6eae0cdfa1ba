"""Every fixed zoo pipeline through ``check`` with the default budget (slow): broken ones
caught with one of their categories, correct ones passing; with its patches and
expectation, and again with neither (pressure alone may find the races)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import tests.zoo
from stress import DefectFound, check
from stress.core.oracle import CATEGORIES

FIXED = sorted(
    info.name
    for info in pkgutil.iter_modules(tests.zoo.__path__)
    if info.name.startswith("fixed_") and info.name not in ("fixed_stages", "fixed_refs")
)
#: The README's crawler patches "crawler:..." (a file the README has you save); the slow
#: one is meant for a short trial timeout (at 2 s its 300 items are too slow: a HANG).
RUNNABLE = [name for name in FIXED if name not in ("fixed_readme_crawler", "fixed_correct_slow")]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"tests.zoo.{name}")


def test_every_fixed_zoo_pipeline_says_what_it_is() -> None:
    broken = 0
    for name in FIXED:
        module = _module(name)
        assert set(module.EXPECTED) <= set(CATEGORIES), name
        assert isinstance(module.PATCH, tuple), name
        assert isinstance(module.EXPECT, str), name
        assert module.__doc__, name
        broken += bool(module.EXPECTED)
    assert broken >= 8
    assert len(FIXED) - broken >= 4


@pytest.mark.slow
@pytest.mark.parametrize("patched", [True, False], ids=["patched", "bare"])
@pytest.mark.parametrize("name", RUNNABLE)
def test_a_fixed_zoo_pipeline_is_judged_rightly_at_the_default_budget(
    name: str, patched: bool
) -> None:
    module = _module(name)
    options: dict[str, object] = {}
    if patched:
        options = {"patch": list(module.PATCH), "expect": module.EXPECT}
    if hasattr(module, "ITEMS"):  # its defect needs awkward items
        options["items"] = f"tests.zoo.{name}:ITEMS"
    category, report = _judge(f"tests.zoo.{name}:pipeline", options)
    if category is not None:
        assert category in module.EXPECTED, report[:3000]
    else:
        # Bare, no fault is injected and nothing is compared: a defect that shows only on
        # a stage error, or a loss that is the same in every trial, cannot be seen.
        unseen_bare = {"SWALLOWED_ERROR", "HANG"} & set(module.EXPECTED) or hasattr(module, "ITEMS")
        assert not module.EXPECTED or (not patched and unseen_bare), "no defect found"


def _judge(target: str, options: dict[str, object]) -> tuple[str | None, str]:
    try:
        check(target, fixed=True, seed=21, **options)  # type: ignore[arg-type]
    except DefectFound as found:
        return found.category, str(found)
    return None, ""
