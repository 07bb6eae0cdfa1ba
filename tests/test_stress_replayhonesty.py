"""A reproduction rate is said plainly: a defect the re-runs never showed again ends its
verdict line with ``(replay: not reproduced in N runs)`` and says what to do, never
reading like a reproduction, in the text, the ``--json`` document and ``DefectFound``;
one that only some re-runs showed is called flaky; a ``--replay`` whose runs never
showed the defect says ``replay=not-reproduced`` on its PASS line.

Found on unseen code: a real library's rare race was found on every seed, but the
report's "reproduced 0/5 re-runs" sat where a reproduction is expected, and re-running
the reported trial reproduced it 0 of 5 times.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from stress import DefectFound, check
from stress.core.config import TrialConfig
from stress.core.record import TrialRecord
from stress.faces.report import make_token
from stress.forms.targets import TargetSpec
from stress.search.shrink import shrink
from tests import replay_probes
from tests.replay_probes import CALLS_ENV
from tests.stress_helpers import run_stress

pytestmark = pytest.mark.smoke

SPEC = TargetSpec("variant", "single_pool")
FOUND = TrialConfig(seed=4, k=9, workers=(1,), items=0, schedule="zero")


def _shrunk_with(shows: list[bool]) -> list[str]:
    """The shrink lines when the measuring re-runs show the defect as ``shows`` says."""
    answers = iter(shows)

    def run(spec: TargetSpec, config: TrialConfig, trial_timeout: float) -> TrialRecord:
        return TrialRecord(config, category="LOST" if next(answers) else None, wall=0.001)

    record = TrialRecord(FOUND, category="LOST", wall=0.001)
    result = shrink(
        SPEC, record, deadline=time.monotonic() + 30, trial_timeout=1.0, measure=len(shows), run=run
    )
    assert result.measured == len(shows)
    return result.lines()


def test_no_reproduction_is_said_plainly_with_what_to_do() -> None:
    lines = _shrunk_with([False] * 5)
    assert lines[0].startswith("not reproduced in 5 re-runs: the defect showed once"), lines
    assert "reproduced 0/5" not in "\n".join(lines)
    assert lines[1].startswith("what to do: re-run the replay line (--replay)"), lines
    assert "--budget" in lines[1]
    assert "search with --mode scheduled: the deterministic mode" in lines[1]
    assert not any(line.startswith("replay:") for line in lines)  # the contract's line


def test_a_partial_reproduction_is_called_flaky() -> None:
    lines = _shrunk_with([True, False, False, True, False])
    assert lines[0].startswith("reproduced 2/5 re-runs (flaky: a replay may pass);"), lines
    assert lines[1].startswith("what to do: "), lines


def test_a_full_reproduction_reads_as_before() -> None:
    lines = _shrunk_with([True] * 3)
    assert lines[0].startswith("reproduced 3/3 re-runs;"), lines
    assert not any(line.startswith("what to do") for line in lines)


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
    runs = document["trials"]
    assert document["reproduction"]["note"] == f"replay: not reproduced in {runs} runs"
    assert "--mode scheduled" in document["reproduction"]["advice"]


def test_a_found_defect_carries_its_reproduction_in_the_json(tmp_path: Path) -> None:
    out = tmp_path / "found.json"
    done = run_stress(
        "run", "single_pool", "--seed", "1", "--budget", "10", "--json", str(out), timeout=90
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(out.read_text())
    reproduction = document["reproduction"]
    assert reproduction["status"] in ("reproduced", "flaky", "not reproduced", "not measured")
    assert 0 <= reproduction["reproduced"] <= reproduction["runs"]
    verdict = done.stdout.splitlines()[0]
    if reproduction["status"] in ("flaky", "not reproduced"):
        assert verdict.endswith(f"({reproduction['note']})"), verdict
    elif "decisions" in document["defect"]["config"]:  # a scheduled trial (--mode auto)
        assert reproduction["note"] == "replay: exact"
        assert verdict.endswith(" (replay: exact)"), verdict
    else:  # reproduced every time, or not measured: the line as before
        assert reproduction["note"] is None
        assert "(replay:" not in verdict, verdict


def _search_cli(target: str, calls: Path, out: Path) -> tuple[list[str], dict[str, Any]]:
    """Search ``tests.replay_probes:TARGET`` from the command line: its report's lines
    and its ``--json`` document."""
    done = run_stress(
        "run", f"tests.replay_probes:{target}", "--seed", "2", "--budget", "20",
        "--no-faults", "--no-awkward", "--json", str(out), "--mode", "threads",
        timeout=120, **{CALLS_ENV: str(calls)},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[:2000] + done.stderr[-2000:]
    return done.stdout.splitlines(), json.loads(out.read_text())


def _contract_lines(lines: list[str]) -> None:
    """CONTRACT.md section 3: one DEFECT line, then config, seed and replay, once each."""
    assert lines[0].startswith("DEFECT LOST "), lines[:6]
    assert [line.split(":")[0] for line in lines[1:4]] == ["config", "seed", "replay"], lines
    assert sum(line.startswith("DEFECT") for line in lines) == 1, lines
    assert sum(line.startswith("replay:") for line in lines) == 1, lines


def test_a_defect_no_rerun_showed_says_so_in_the_verdict_and_the_json(tmp_path: Path) -> None:
    """The target loses its results on its first call only, so the search finds the
    defect and none of its re-runs shows it again."""
    lines, document = _search_cli("lose_once", tmp_path, tmp_path / "out.json")
    _contract_lines(lines)
    runs = document["reproduction"]["runs"]
    assert 2 <= runs <= 5  # 5 unless the re-runs were slower than the search's (a loaded CI)
    assert lines[0].endswith(f" (replay: not reproduced in {runs} runs)"), lines[0]
    assert lines[5].startswith(f"not reproduced in {runs} re-runs: "), lines[4:7]
    assert lines[6].startswith("what to do: re-run the replay line (--replay)"), lines[4:8]
    assert "search with --mode scheduled: the deterministic mode" in lines[6]
    assert document["schema_version"] == 1
    assert document["defect"]["category"] == "LOST"
    reproduction = document["reproduction"]
    assert reproduction["status"] == "not reproduced"
    assert reproduction["reproduced"] == 0
    assert reproduction["note"] == f"replay: not reproduced in {runs} runs"
    assert "--budget" in reproduction["advice"]


def test_a_defect_some_reruns_showed_is_called_flaky_in_the_verdict_and_the_json(
    tmp_path: Path,
) -> None:
    """Every other call loses its results: some re-runs show the defect, not all."""
    lines, document = _search_cli("lose_alternately", tmp_path, tmp_path / "out.json")
    _contract_lines(lines)
    reproduction = document["reproduction"]
    assert reproduction["status"] == "flaky"
    runs = reproduction["runs"]
    assert 2 <= runs <= 5  # 5 unless the re-runs were slower than the search's (a loaded CI)
    assert 0 < reproduction["reproduced"] < runs
    rate = f"{reproduction['reproduced']}/{runs}"
    assert lines[0].endswith(f" (replay: flaky, reproduced {rate} re-runs)"), lines[0]
    assert lines[5].startswith(f"reproduced {rate} re-runs (flaky: a replay may pass); ")
    assert lines[6].startswith("what to do: "), lines[4:8]
    assert reproduction["note"] == f"replay: flaky, reproduced {rate} re-runs"


def test_check_says_a_defect_was_not_reproduced_in_its_message_and_attributes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CALLS_ENV, str(tmp_path))
    with pytest.raises(DefectFound) as caught:
        check(
            replay_probes.lose_once,
            seed=2,
            budget=20.0,
            faults=False,
            awkward=False,
            mode="threads",  # a replay of real threads (a scheduled find is confirmed)
        )
    found = caught.value
    first = str(found).splitlines()[0]
    assert found.reproduction is not None
    runs = found.reproduction["runs"]
    assert 2 <= runs <= 5  # 5 unless the re-runs were slower than the search's (a loaded CI)
    assert first.endswith(f" (replay: not reproduced in {runs} runs)"), first
    assert found.reproduction["status"] == "not reproduced"
    advice = found.reproduction["advice"]
    assert "check(..., replay=...)" in advice  # said in the API's words
    assert "budget=" in advice
    assert "--budget" not in advice


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
