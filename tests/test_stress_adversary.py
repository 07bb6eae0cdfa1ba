"""The adversary zoo (``tests/zoo/adversary_*.py``, pipelines written independently of
the harness) through ``stress.check``: each broken one is reported with a category it
really has, each correct one passes.  Fixed seeds and small budgets; options only
narrow the search to where a defect lives, never to a configuration that hides it.

Every adversary pipeline is listed here.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import pytest

import tests.zoo
from stress import DefectFound, check

#: Every case's budget: enough trials for the draw that shows its defect on the slowest
#: interpreter (the free-threaded 3.14t under load missed four cases at 3 s, e.g. seed
#: 11 draws its first awkward trial at k=6); the search stops at the first defect, so
#: this costs time only where trials are slow.
BUDGET = 10.0


@dataclass(frozen=True)
class Case:
    target: str  # "module:function" under tests/zoo
    options: dict[str, Any] = field(default_factory=dict)
    budget: float = BUDGET
    seed: int = 11
    trial_timeout: float = 1.0

    @property
    def module(self) -> str:
        return self.target.split(":")[0]

    @property
    def name(self) -> str:
        return self.target.split(":")[1]


QUIET = {"faults": False, "awkward": False}

BROKEN = [
    Case("adversary_sentinels:forward_own_marker", {**QUIET, "workers": (1, 2)}),
    Case("adversary_sentinels:markers_for_own_width", {**QUIET, "workers": (1, 3)}),
    Case("adversary_sentinels:join_with_timeout", {**QUIET, "workers": (3, 3)}, 4.0),
    Case("adversary_sentinels:bounded_reput_markers", {**QUIET, "workers": (1, 6)}),
    Case("adversary_shutdown:empty_then_get", {**QUIET, "workers": (8,)}),
    Case("adversary_shutdown:done_event_on_last_result", {**QUIET, "max_items": 0}),
    Case("adversary_shutdown:generator_joins_blocked_workers", {"awkward": False, "stages": 2}),
    Case("adversary_shutdown:shutdown_nowait_on_error", {"awkward": False, "stages": 2}),
    Case("adversary_values:falsy_means_stop", {"faults": False}),
    Case("adversary_values:futures_by_id", {"faults": False}),
    Case("adversary_values:pop_after_success", {**QUIET, "workers": (4,)}),
    Case("adversary_values:sorted_by_value", {"faults": False}),
    Case("adversary_values:chunks_drop_remainder", QUIET),
    Case("adversary_values:empty_input_rejected", {**QUIET, "max_items": 0}),
    Case("adversary_errors:retry_whole_batch", {"awkward": False}),
    Case("adversary_errors:log_and_continue", {"awkward": False}),
    Case("adversary_errors:generic_failure", {"awkward": False}),
    Case("adversary_errors:remote_traceback_text", {"awkward": False}),
    Case("adversary_errors:first_exception_partial", {"awkward": False}),
    Case("adversary_probes:fallback_on_empty", {"faults": False}),
    Case("adversary_probes:retry_until_it_works", {"awkward": False}),
    Case("adversary_probes:linger_after_return", QUIET),
    # Found by a stalled stage call (stress.core.config.STALL_SHARE): seed 1 stalls trial 0.
    Case("adversary_probes:idle_timeout_half_second", {}, 5.0, seed=1, trial_timeout=2.0),
]

#: Broken pipelines whose defect hides behind rarer timing or a lucky preemption.
BROKEN_SLOW = [
    Case("adversary_shutdown:idle_timeout_means_done", QUIET, 30.0),
    Case("adversary_shutdown:counter_with_private_lock", QUIET, 30.0),
]

CORRECT = [
    Case(f"adversary_correct:{name}", budget=1.0)
    for name in (
        "lazy_map_chain",
        "as_completed_per_stage",
        "stagewise_markers",
        "task_done_join",
        "polling_stream",
        "exception_group",
        "raise_from_wrapper",
        "sorted_by_index",
        "chunked_map",
        "unjoined_threads_exit",
        "iterator_with_close",
    )
] + [
    Case("adversary_longlived:shared_pool_warm", budget=1.0),
    Case("adversary_longlived:shared_pool_lazy", budget=1.0),
    Case("adversary_probes:cause_hidden_from_none", budget=1.0),
    Case("adversary_probes:linger_briefly", budget=1.0),
    Case("adversary_probes:dummy_thread_pool", budget=1.0),
    Case("adversary_probes:busy_poll", budget=1.0),
]


def _expected(case: Case) -> frozenset[str]:
    # adversary_longlived starts threads at import: read its table in a child only.
    if case.module == "adversary_longlived":
        return frozenset()
    table: dict[str, frozenset[str]] = importlib.import_module(f"tests.zoo.{case.module}").EXPECTED
    return table[case.name]


def _ids(cases: list[Case]) -> list[str]:
    return [case.target.replace("adversary_", "") for case in cases]


def test_every_adversary_pipeline_is_accounted_for() -> None:
    """Each function in an adversary module's table is tested here (so a new pipeline is
    not silently left out)."""
    listed = {case.target for case in BROKEN + BROKEN_SLOW + CORRECT}
    modules = [
        info.name
        for info in pkgutil.iter_modules(tests.zoo.__path__)
        if info.name.startswith("adversary_") and info.name != "adversary_longlived"
    ]
    for module in modules:
        table = importlib.import_module(f"tests.zoo.{module}").EXPECTED
        for name in table:
            assert f"{module}:{name}" in listed, name


def _assert_found(case: Case) -> None:
    expected = _expected(case)
    assert expected, f"{case.target} is not a broken pipeline"
    with pytest.raises(DefectFound) as caught:
        check(
            f"tests.zoo.{case.target}",
            budget=case.budget,
            seed=case.seed,
            trial_timeout=case.trial_timeout,
            **case.options,
        )
    assert caught.value.category in expected, str(caught.value)[:2000]
    assert str(caught.value).startswith(f"DEFECT {caught.value.category} ")


@pytest.mark.parametrize("case", BROKEN, ids=_ids(BROKEN))
def test_a_broken_adversary_is_reported_with_a_category_it_has(case: Case) -> None:
    _assert_found(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", BROKEN_SLOW, ids=_ids(BROKEN_SLOW))
def test_a_broken_adversary_behind_rare_timing_is_found_in_a_full_search(case: Case) -> None:
    _assert_found(case)


@pytest.mark.parametrize("case", CORRECT, ids=_ids(CORRECT))
def test_a_correct_adversary_passes(case: Case) -> None:
    assert _expected(case) == frozenset()
    result = check(f"tests.zoo.{case.target}", budget=case.budget, seed=11)
    assert result.trials > 0
    assert result.skipped == 0
