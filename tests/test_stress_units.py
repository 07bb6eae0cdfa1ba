"""Unit tests of the harness's pure parts: fault recognition, configs, values, verdicts."""

from __future__ import annotations

import json
import pickle

import pytest

from stress.core.config import EVERY_CALL, SearchOptions, TrialConfig, draw
from stress.core.errors import InjectedFault, find_fault
from stress.core.oracle import Observation, classify, key
from stress.forms.workload import Values, Workload

pytestmark = pytest.mark.smoke

TOKEN = "stress-fault-1.2.0.1"


def _raise(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


# -- fault recognition ---------------------------------------------------------------


def test_the_injected_object_itself_is_recognised_as_original() -> None:
    fault = InjectedFault(TOKEN)
    match = find_fault(fault, {TOKEN}, {id(fault)})
    assert match is not None
    assert match.original


def test_a_fault_is_found_through_cause_context_and_groups() -> None:
    fault = InjectedFault(TOKEN)
    wrapped = RuntimeError("pipeline failed")
    wrapped.__cause__ = fault
    context = ValueError("while cleaning up")
    context.__context__ = wrapped
    group = ExceptionGroup("many", [KeyError("x"), context])
    match = find_fault(group, {TOKEN}, {id(fault)})
    assert match is not None
    assert match.original
    assert "group[1]" in match.path
    assert "__cause__" in match.path


def test_a_recreated_copy_counts_but_is_marked_as_a_copy() -> None:
    fault = InjectedFault(TOKEN)
    copy = pickle.loads(pickle.dumps(fault))
    match = find_fault(copy, {TOKEN}, {id(fault)})
    assert match is not None
    assert not match.original


def test_another_class_quoting_the_message_is_unrelated() -> None:
    fault = InjectedFault(TOKEN)
    assert find_fault(RuntimeError(str(fault)), {TOKEN}, {id(fault)}) is None


def test_a_token_is_not_matched_by_its_prefix() -> None:
    longer = TOKEN + "0"  # stress-fault-1.2.0.10: another call's token
    assert find_fault(InjectedFault(longer), {TOKEN}, set()) is None


def test_a_cyclic_chain_ends() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert find_fault(a, {TOKEN}, set()) is None


# -- configurations ------------------------------------------------------------------


def test_trial_k_is_a_function_of_seed_and_k_only() -> None:
    options = SearchOptions()
    first = [draw(11, k, options) for k in range(50)]
    again = [draw(11, k, options) for k in reversed(range(50))][::-1]
    assert first == again
    assert draw(12, 3, options) != draw(11, 3, options)


def test_the_search_varies_what_defects_hide_behind() -> None:
    configs = [draw(1, k, SearchOptions()) for k in range(400)]
    assert {c.stages for c in configs} >= {1, 2, 3, 4}
    assert max(max(c.workers) for c in configs) >= 16
    assert any(len(set(c.workers)) > 1 for c in configs)
    assert {0, 1, 2} <= {c.items for c in configs}
    assert max(c.items for c in configs) >= 200
    assert any(c.awkward for c in configs)
    assert any(c.fault_call == EVERY_CALL for c in configs if c.fault_stage is not None)
    assert {c.schedule for c in configs} >= {"last_slow", "sibling_slow", "zero", "heavy"}


def test_options_pin_the_shape_and_switch_off_faults_and_awkward_values() -> None:
    options = SearchOptions(stages=None, workers=(5, 3), max_items=7, faults=False, awkward=False)
    for k in range(100):
        config = draw(2, k, options)
        assert config.workers == (5, 3)
        assert config.items <= 7
        assert config.fault_stage is None
        assert config.awkward == 0
    one_width = SearchOptions(stages=3, workers=(4,))
    assert draw(2, 0, one_width).workers == (4, 4, 4)


def test_a_config_survives_json() -> None:
    config = draw(5, 9, SearchOptions())
    assert TrialConfig.from_json(json.loads(json.dumps(config.to_json()))) == config


@pytest.mark.parametrize(
    "change",
    [{"workers": []}, {"items": -1}, {"schedule": "nope"}, {"fault_stage": 9}, {"extra": 1}],
)
def test_a_malformed_config_is_refused(change: dict[str, object]) -> None:
    data = {**draw(5, 9, SearchOptions()).to_json(), **change}
    with pytest.raises(ValueError, match=r"\w"):
        TrialConfig.from_json(data)


# -- values --------------------------------------------------------------------------


def _config(**fields: object) -> TrialConfig:
    base: dict[str, object] = {"seed": 1, "k": 0, "workers": (2, 2, 2), "items": 40}
    base.update(fields)
    return TrialConfig(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(5))
def test_a_skipped_repeated_or_reordered_stage_never_yields_an_expected_value(
    seed: int,
) -> None:
    values = Values(_config(seed=seed, workers=(1, 1, 1, 1), items=300))
    expected = {key(v) for v in values.expected()}
    assert len(expected) == 300  # distinct items, distinct results

    def through(order: list[int], item: object) -> object:
        for stage in order:
            item = values.apply(stage, item)
        return item

    wrong_orders = [[], [0, 1, 2], [1, 2, 3], [0, 2, 3], [0, 0, 1, 2, 3], [0, 1, 2, 3, 3]]
    wrong_orders += [[1, 0, 2, 3], [0, 2, 1, 3], [0, 1, 3, 2], [3, 2, 1, 0]]
    for item in values.items:
        for order in wrong_orders:
            assert key(through(order, item)) not in expected, order


def test_awkward_values_include_none_falsy_duplicates_and_unhashables() -> None:
    seen: set[str] = set()
    for k in range(30):
        values = Values(_config(k=k, awkward=0.7, items=30))
        for value in [*values.items, *values.expected()]:
            seen.add(type(value).__name__ if value or value is True else repr(value))
        ints = [v for v in values.items if type(v) is int and v > 1]
        if len(ints) != len(set(ints)):
            seen.add("duplicate")
    assert {"None", "0", "False", "''", "list", "dict", "duplicate"} <= seen


def test_values_are_the_same_in_every_build() -> None:
    config = _config(awkward=0.3)
    assert Values(config).expected() == Values(config).expected()


def test_the_fault_fires_at_the_chosen_call_with_a_unique_token() -> None:
    workload = Workload(_config(fault_stage=1, fault_call=2, schedule="zero"))
    stage = workload.stages[1]
    stage(5)
    stage(6)
    with pytest.raises(InjectedFault) as caught:
        stage(7)
    assert caught.value.args[0] in workload.tokens
    assert stage(8) == workload.apply(1, 8)
    assert workload.calls_started[1] == 4


def test_a_fault_on_every_call_raises_every_time_with_distinct_tokens() -> None:
    workload = Workload(_config(fault_stage=0, fault_call=EVERY_CALL, schedule="zero"))
    for value in range(3):
        with pytest.raises(InjectedFault):
            workload.stages[0](value)
    assert len(workload.tokens) == 3


# -- verdicts ------------------------------------------------------------------------


def _observation(results: list[object], **fields: object) -> Observation:
    obs = Observation(items=[1, 2, 3], expected=[10, 20, 0], intermediates=[[10, 20, 0]])
    obs.results = results
    obs.returned = True
    for name, value in fields.items():
        setattr(obs, name, value)
    return obs


def test_results_compare_as_multisets_in_any_order() -> None:
    assert classify(_observation([0, 20, 10])).category is None


def test_false_in_place_of_zero_is_a_wrong_value() -> None:
    assert classify(_observation([10, 20, False])).category == "WRONG_VALUE"


@pytest.mark.parametrize(
    ("results", "category"),
    [([10, 20, 0, 10], "DUPLICATED"), ([10, 0], "LOST"), ([10, 20, 0, 99], "WRONG_VALUE")],
)
def test_result_categories(results: list[object], category: str) -> None:
    assert classify(_observation(results)).category == category


def test_precedence_follows_the_contract() -> None:
    raised = {"error_type": "builtins.KeyError", "returned": False}
    assert classify(_observation([], hung=True, leaked=["t"])).category == "HANG"
    assert classify(_observation([], fault_tokens=[TOKEN])).category == "SWALLOWED_ERROR"
    unrelated = _observation([], fault_tokens=[TOKEN], **raised)
    assert classify(unrelated).category == "SWALLOWED_ERROR"
    assert classify(_observation([10, 10], **raised)).category == "UNEXPECTED_ERROR"
    assert classify(_observation([10, 10, 99], leaked=["t"])).category == "WRONG_VALUE"
    assert classify(_observation([10], leaked=["t"])).category == "LOST"
    assert classify(_observation([10, 20, 0], leaked=["t"])).category == "LEAKED_WORKER"


def test_a_rightly_raised_fault_makes_results_partial_but_still_checked() -> None:
    from stress.core.errors import FaultMatch

    match = FaultMatch(TOKEN, original=True, path="raised")
    fields = {"fault_tokens": [TOKEN], "fault_match": match, "error_type": "x.InjectedFault"}
    assert classify(_observation([10], **fields)).category is None
    assert classify(_observation([10, 10], **fields)).category == "DUPLICATED"
    copy = FaultMatch(TOKEN, original=False, path="raised")
    verdict = classify(_observation([10], **{**fields, "fault_match": copy}))
    assert verdict.category is None
    assert any("re-created copy" in line for line in verdict.details)
