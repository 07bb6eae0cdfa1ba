"""The project's own CI gate: every variant in reference.VARIANTS under randomized stress.

Correct designs must pass a budget; each tutorial variant's defect must be found, with
its category.  Budgets are small here (the search stops at the first defect, and the
correct designs' budgets are what CI can afford); ``STRESS_GATE_BUDGET`` raises them,
and ``--stress-shards N -n auto`` spreads a longer campaign over the cores.  Seeds are
fixed so a failure replays exactly; the defects found are ones each variant really has
(CATALOG.md), whichever the search meets first.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from stress import DefectFound

GateCheck = Any
PASS_BUDGET = float(os.environ.get("STRESS_GATE_BUDGET", "4"))
FIND_BUDGET = 20.0
SEED = 20261125


@pytest.mark.parametrize("name", ["countdown", "queue_shutdown"])
def test_our_designs_pass_full_stress(stress_check: GateCheck, name: str) -> None:
    result = stress_check(name, budget=PASS_BUDGET, seed=SEED)
    assert result.trials > 0


@pytest.mark.parametrize("name", ["counted", "barrier", "separate_pools"])
@pytest.mark.stress(faults=False, awkward=False)
def test_the_counting_and_barrier_fixes_pass_with_plain_values(
    stress_check: GateCheck, name: str
) -> None:
    result = stress_check(name, budget=PASS_BUDGET, seed=SEED)
    assert result.trials > 0


@pytest.mark.parametrize("name", ["single_pool", "barrier_as_published"])
@pytest.mark.stress(faults=False, awkward=False)
def test_the_forwarded_marker_loses_results_with_plain_values(
    stress_check: GateCheck, name: str
) -> None:
    with pytest.raises(DefectFound) as found:
        stress_check(name, budget=FIND_BUDGET, seed=SEED)
    assert found.value.category == "LOST"


@pytest.mark.parametrize("name", ["counted", "barrier", "separate_pools"])
@pytest.mark.stress(awkward=False)
def test_a_stage_exception_hangs_the_counting_and_barrier_fixes(
    stress_check: GateCheck, name: str
) -> None:
    with pytest.raises(DefectFound) as found:
        stress_check(name, budget=FIND_BUDGET, seed=SEED, trial_timeout=1.0)
    assert found.value.category == "HANG"


@pytest.mark.parametrize(
    ("name", "categories"),
    [
        ("single_pool", {"LOST", "SWALLOWED_ERROR", "HANG"}),
        ("counted", {"HANG", "WRONG_VALUE", "DUPLICATED", "LOST"}),
        ("barrier_as_published", {"LOST", "SWALLOWED_ERROR", "HANG"}),
        ("barrier", {"HANG", "LOST"}),
        ("separate_pools", {"HANG", "LOST"}),
    ],
)
def test_default_options_find_a_defect_each_tutorial_variant_has(
    stress_check: GateCheck, name: str, categories: set[str]
) -> None:
    with pytest.raises(DefectFound) as found:
        stress_check(name, budget=FIND_BUDGET, seed=SEED, trial_timeout=1.0)
    assert found.value.category in categories
    assert found.value.seed == SEED
    assert name in found.value.replay
