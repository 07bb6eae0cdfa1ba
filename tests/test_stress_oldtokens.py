"""Replay tokens printed before the harness was regrouped (stop 12, commit 7fd563f)
still replay, both forms: the same category, and the same ``config:`` line."""

from __future__ import annotations

import pytest

from tests.stress_helpers import run_stress

pytestmark = pytest.mark.smoke

GENERALISED: tuple[str, list[str], str, str] = (
    "tests.zoo.broken_wrong_fast_path:pipeline",
    [],
    '{"awkward":0.0,"delay_us":50.0,"fault_call":0,"fault_stage":null,"items":1,"k":2,'
    '"preempt":0.0,"preempt_hold_us":1000.0,"preempt_ops":false,"schedule":"zero","seed":3,'
    '"slow_ms":0.0,"slow_stage":0,"spin":0.0,"stall_at":"first","stall_ms":0.0,'
    '"stall_stage":0,"strategy":"preempt-lines","switch_interval":0.005,"v":1,"workers":[1,1]}',
    "WRONG_VALUE",
)
FIXED_OPTIONS = [
    "--fixed",
    "--patch",
    "tests.zoo.fixed_lost_falsy_filter:clean",
    "--expect",
    "tests.zoo.fixed_lost_falsy_filter:clean",
    "--items",
    "tests.zoo.fixed_lost_falsy_filter:ITEMS",
]
FIXED: tuple[str, list[str], str, str] = (
    "tests.zoo.fixed_lost_falsy_filter:pipeline",
    FIXED_OPTIONS,
    '{"awkward":0.0,"delay_us":200.0,"fault_call":0,"fault_stage":null,"items":5,'
    '"items_digest":"536dec8544b767ec","k":0,"preempt":0.0,"preempt_hold_us":0.0,'
    '"preempt_ops":false,"reference_results":-1,"schedule":"zero","seed":3,"slow_ms":0.0,'
    '"slow_stage":0,"spin":0.0,"stall_at":"first","stall_ms":0.0,"stall_stage":0,'
    '"strategy":"timing","switch_interval":0.005,"v":1,"workers":[1]}',
    "LOST",
)


@pytest.mark.parametrize("case", [GENERALISED, FIXED], ids=["generalised", "fixed"])
def test_a_token_from_before_the_regrouping_replays(case: tuple[str, list[str], str, str]) -> None:
    target, options, token, category = case
    done = run_stress("run", target, *options, "--replay", token, "--budget", "20", timeout=90)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"DEFECT {category} "), lines[0]
    old_config = token.replace(',"v":1', "")
    assert lines[1] == f"config: {old_config}"
