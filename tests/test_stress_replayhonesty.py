"""A reproduction rate is said plainly: a defect the re-runs never showed again reads
``replay: not reproduced in N runs`` (with what to do), never like a reproduction, in
the text and in the ``--json`` document; a ``--replay`` whose runs never showed the
defect says ``replay=not-reproduced`` on its PASS line.

Found on unseen code: a real library's rare race was found on every seed, but the
report's "reproduced 0/5 re-runs" sat where a reproduction is expected, and re-running
the reported trial reproduced it 0 of 5 times.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from stress.core.config import TrialConfig
from stress.core.record import TrialRecord
from stress.faces.report import make_token
from stress.forms.targets import TargetSpec
from stress.search.shrink import shrink
from tests.stress_helpers import run_stress

pytestmark = pytest.mark.smoke

SPEC = TargetSpec("variant", "single_pool")
FOUND = TrialConfig(seed=4, k=9, workers=(1,), items=0, schedule="zero")


def _shrunk_with(shows: list[bool]) -> str:
    """The shrink line when the measuring re-runs show the defect as ``shows`` says."""
    answers = iter(shows)

    def run(spec: TargetSpec, config: TrialConfig, trial_timeout: float) -> TrialRecord:
        return TrialRecord(config, category="LOST" if next(answers) else None, wall=0.001)

    record = TrialRecord(FOUND, category="LOST", wall=0.001)
    result = shrink(
        SPEC, record, deadline=time.monotonic() + 30, trial_timeout=1.0, measure=len(shows), run=run
    )
    assert result.measured == len(shows)
    return result.lines()[0]


def test_no_reproduction_is_said_plainly_with_what_to_do() -> None:
    line = _shrunk_with([False] * 5)
    assert line.startswith("replay: not reproduced in 5 runs"), line
    assert "reproduced 0/5" not in line
    assert "--budget" in line
    assert "--mode scheduled" in line


def test_a_partial_reproduction_is_called_flaky() -> None:
    line = _shrunk_with([True, False, False, True, False])
    assert line.startswith("reproduced 2/5 re-runs (flaky"), line


def test_a_full_reproduction_reads_as_before() -> None:
    assert _shrunk_with([True] * 3).startswith("reproduced 3/3 re-runs;")


def test_a_replay_that_never_shows_its_defect_says_so(tmp_path: Path) -> None:
    token = make_token(TrialConfig(seed=1, k=0, workers=(2,), items=3, schedule="zero"))
    out = tmp_path / "replay.json"
    done = run_stress(
        "run", "countdown", "--replay", token, "--budget", "5", "--json", str(out), timeout=90
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("PASS trials="), line
    assert line.endswith(" replay=not-reproduced"), line
    document = json.loads(out.read_text())
    assert document["reproduction"]["status"] == "not reproduced"
    assert document["reproduction"]["runs"] == document["trials"] >= 1


def test_a_found_defect_carries_its_reproduction_in_the_json(tmp_path: Path) -> None:
    out = tmp_path / "found.json"
    done = run_stress(
        "run", "single_pool", "--seed", "1", "--budget", "10", "--json", str(out), timeout=90
    )
    assert done.returncode == 1, done.stderr
    reproduction = json.loads(out.read_text())["reproduction"]
    assert reproduction["status"] in ("reproduced", "flaky", "not reproduced", "not measured")
    assert 0 <= reproduction["reproduced"] <= reproduction["runs"]


#: What ``stress run tests.zoo.race_swallow_error_queue:pipeline --seed 3 --budget 30
#: --no-awkward`` found at trial k=451 (after 20-odd seconds) and shrank: reproduced 3/5.
ERROR_QUEUE_RACE = (
    '{"awkward":0.0,"delay_us":50.0,"fault_call":1,"fault_stage":0,"items":2,"k":451,'
    '"preempt":0.1,"preempt_hold_us":1000.0,"preempt_ops":true,"schedule":"zero","seed":3,'
    '"slow_ms":0.0,"slow_stage":0,"spin":0.0,"stall_at":"first","stall_ms":0.0,'
    '"stall_stage":0,"strategy":"preempt-ops","switch_interval":0.005,"v":1,"workers":[1]}'
)


@pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="found on 3.11, whose preemption points come from settrace; 3.12+ place them "
    "with sys.monitoring on other bytecode, so this trial's preemption differs there",
)
def test_a_rare_error_queue_race_replays_within_the_replays_runs() -> None:
    """An error put on the error queue after ``task_done()`` (a real library's race):
    the replay tries the trial up to 20 times, enough for a 3-in-5 race."""
    done = run_stress(
        "run",
        "tests.zoo.race_swallow_error_queue:pipeline",
        "--replay",
        ERROR_QUEUE_RACE,
        "--budget",
        "30",
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("DEFECT SWALLOWED_ERROR "), done.stdout[:500]


def test_the_correct_error_queue_never_loses_the_error_on_that_trial() -> None:
    done = run_stress(
        "run", "tests.zoo.correct_error_queue:pipeline", "--replay", ERROR_QUEUE_RACE,
        "--budget", "10", timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[:2000]
    assert done.stdout.rstrip().endswith("replay=not-reproduced")
