"""Every zoo pipeline through the search: broken ones are caught with the right category,
correct ones pass.  The search is called directly (no shrinking afterwards: these tests
are about what is found); fixed seeds and small budgets keep this fast (a broken one's
search goes on to the next seed on a machine too loaded to run enough trials); the slow
campaign gives the correct ones the default 30 s budget through ``stress.check``."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from types import ModuleType

import pytest

import tests.zoo
from stress import check
from stress.core.config import DEFAULT_MAX_ITEMS
from stress.faces.api import make_options
from stress.forms.targets import parse_target
from stress.search.engine import SearchResult, search
from stress.trial.execution import FORKED_THREADS, TrialExecutor

ZOO = sorted(
    info.name
    for info in pkgutil.iter_modules(tests.zoo.__path__)
    if info.name.startswith(("broken_", "correct_"))
)
BROKEN = [name for name in ZOO if name.startswith("broken_")]
CORRECT = [name for name in ZOO if name.startswith("correct_")]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"tests.zoo.{name}")


def _search(
    name: str, *, budget: float, seed: int, executor: TrialExecutor = FORKED_THREADS
) -> SearchResult:
    options: dict[str, object] = {
        "stages": None,
        "workers": None,
        "max_items": DEFAULT_MAX_ITEMS,
        "faults": True,
        "awkward": True,
        **_module(name).OPTIONS,
    }
    return search(
        parse_target(f"tests.zoo.{name}:pipeline"),
        seed=seed,
        budget=budget,
        trial_timeout=1.0,
        options=make_options(**options),  # type: ignore[arg-type]
        executor=executor,
    )


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


#: A broken pipeline must be found within this many trials (seeds 3, 4, ... in turn),
#: however slow the machine makes each: load (a CI runner's other job) can slow a
#: free-threaded build's trials some 35 times, and a 15 s budget then held 62 trials of
#: a narrow race that an idle machine finds within 50 (CI, 3.14t).  Past ``FIND_CAP``
#: seconds the search stops anyway.
FIND_TRIALS = 120
FIND_BUDGET = 15.0
FIND_CAP = 90.0


def _find(name: str) -> SearchResult:
    """Searches seeded 3, 4, ... until a defect, ``FIND_TRIALS`` trials or ``FIND_CAP`` s."""
    seed, trials, spent = 3, 0, 0.0
    while True:
        result = _search(name, budget=min(FIND_BUDGET, FIND_CAP - spent), seed=seed)
        trials, spent = trials + result.trials, spent + result.elapsed
        if result.defect is not None or trials >= FIND_TRIALS or spent >= FIND_CAP - 1.0:
            return dataclasses.replace(result, trials=trials)
        seed += 1


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_pipeline_is_reported_with_its_category(name: str) -> None:
    result = _find(name)
    assert result.defect is not None, f"no defect in {result.trials} trials"
    expected = _module(name).EXPECTED
    assert result.defect.category in expected, "\n".join(result.defect.details[:80])


@pytest.mark.parametrize("name", CORRECT)
def test_a_correct_pipeline_passes_a_short_search(name: str) -> None:
    result = _search(name, budget=3.0, seed=5)
    assert result.defect is None, "\n".join(
        [result.defect.summary, *result.defect.details[:80]] if result.defect else []
    )
    assert result.trials > 0
    assert result.skipped == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", CORRECT)
def test_a_correct_pipeline_passes_a_full_default_search(name: str) -> None:
    result = check(f"tests.zoo.{name}:pipeline", budget=30.0)
    assert result.trials > getattr(_module(name), "MIN_FULL_TRIALS", 100)
