"""The harness on the reference variants: the tutorial's flaws are found with default
options; the correct designs, and the tutorial's fixes on plain values without faults,
pass (no false alarm).  Full 30 s campaigns are slow tests."""

from __future__ import annotations

import pytest

from reference import TUTORIAL, VARIANTS
from stress import check
from stress.core.config import SearchOptions
from stress.forms.targets import parse_target
from stress.search.engine import SearchResult, search

OWN = [name for name in ("countdown", "queue_shutdown") if name in VARIANTS]
FIXES = ["counted", "barrier", "separate_pools"]


def _search(name: str, seed: int, options: SearchOptions) -> SearchResult:
    """The search alone (what is found; no shrinking afterwards)."""
    return search(parse_target(name), seed=seed, budget=20.0, trial_timeout=2.0, options=options)


@pytest.mark.parametrize("name", TUTORIAL)
def test_every_tutorial_variant_has_a_defect_found_with_default_options(name: str) -> None:
    found = _search(name, 1, SearchOptions()).defect
    assert found is not None
    assert found.category in {"LOST", "HANG", "WRONG_VALUE", "DUPLICATED", "SWALLOWED_ERROR"}


@pytest.mark.parametrize("name", ["single_pool", "barrier_as_published"])
def test_the_shutdown_race_is_found_on_plain_values_without_faults(name: str) -> None:
    found = _search(name, 2, SearchOptions(faults=False, awkward=False)).defect
    assert found is not None
    assert found.category == "LOST"


@pytest.mark.parametrize("name", FIXES)
def test_a_tutorial_fix_passes_on_plain_values_without_faults(name: str) -> None:
    result = check(name, seed=3, budget=3.0, faults=False, awkward=False)
    assert result.trials >= 5  # it searched (3.14t under load ran 10 in 3 s)


@pytest.mark.parametrize("name", OWN)
def test_an_own_design_passes_with_default_options(name: str) -> None:
    result = check(name, seed=4, budget=3.0)
    assert result.trials >= 5  # it searched (3.14t under load ran 10 in 3 s)


@pytest.mark.slow
@pytest.mark.parametrize("name", FIXES)
def test_a_tutorial_fix_passes_a_full_campaign_on_plain_values(name: str) -> None:
    assert check(name, budget=30.0, faults=False, awkward=False).trials > 100


@pytest.mark.slow
@pytest.mark.parametrize("name", OWN)
def test_an_own_design_passes_a_full_default_campaign(name: str) -> None:
    assert check(name, budget=30.0).trials > 100
