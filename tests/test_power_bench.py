"""``python -m stress bench detection``: the targets it finds, and one short real run
written to a temporary folder (never to ``reports/``)."""

from __future__ import annotations

import json
from pathlib import Path

from stress.bench import BENCHMARKS
from stress.bench.detection import main, targets
from stress.bench.modes import main as modes_main
from stress.bench.modes import to_report


def test_it_is_registered_and_lists_the_tutorial_and_the_zoo() -> None:
    assert BENCHMARKS["detection"] == "stress.bench.detection"
    found = {label: (target, expected) for label, target, expected in targets()}
    assert found["single_pool"][0] == "single_pool"
    assert found["race_lost_update"] == ("tests.zoo.race_lost_update:pipeline", ["HANG"])
    assert found["race_lock_order"][1] == ["HANG"]
    assert found["broken_dup_shared_state"][1] == ["DUPLICATED", "LOST"]
    assert not any(label.startswith("correct_") for label in found)


def test_a_short_run_writes_its_table_and_json(tmp_path: Path) -> None:
    out = tmp_path / "detection"
    args = ["--targets", "broken_lost_marker_race", "--seeds", "1", "--budget", "5"]
    code = main([*args, "--replays", "2", "--out", str(out)])
    assert code == 0
    document = json.loads((out / "results.json").read_text())
    for mode in ("threads", "scheduled", "auto"):  # every mode, side by side
        (row,) = document["summary"][mode]
        assert row["target"] == "broken_lost_marker_race"
        assert row["found"] == 1
        assert row["median_s"] is not None
        assert row["replays"] == 2
    assert document["summary"]["scheduled"][0]["reproduced"] == 2  # an exact replay
    table = (out / "results.md").read_text()
    # The command as run: a table made with --seeds 1 must not read as the default's.
    assert f"Command: `python -m stress bench detection {' '.join(args)} --replays 2" in table
    assert "| broken_lost_marker_race | 1/1 |" in table
    assert "| threads: found |" in table
    assert "| scheduled: found |" in table
    assert "| auto: found |" in table
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "results.md"]


def test_bad_use_is_exit_status_2(tmp_path: Path) -> None:
    assert main(["--targets", "no_such_target", "--out", str(tmp_path)]) == 2
    assert main(["--seeds", "0", "--out", str(tmp_path)]) == 2
    assert main(["--replays", "-1", "--out", str(tmp_path)]) == 2
    assert main(["--mode", "sideways", "--out", str(tmp_path)]) == 2
    assert main(["--no-such-option"]) == 2


def test_the_modes_benchmark_writes_every_mode_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "modes"
    assert modes_main(["--budget", "1", "--targets", "countdown", "--out", str(out)]) == 0
    document = json.loads((out / "results.json").read_text())
    modes = [row["mode"] for row in document["throughput"]]
    assert modes == ["threads", "scheduled", "auto"] * 2
    scheduled = document["throughput"][1]
    assert scheduled["schedules"] > scheduled["trials"] >= 1  # many schedules per trial
    (alarm,) = document["false_alarms"]
    assert alarm["threads"]["verdict"] == alarm["scheduled"]["verdict"] == "PASS"
    assert alarm["auto"]["verdict"] == "PASS"
    assert "False alarms: 0." in (out / "results.md").read_text()
    assert modes_main(["--budget", "0", "--out", str(tmp_path)]) == 2
    assert modes_main(["--seeds", "0", "--out", str(tmp_path)]) == 2


def test_time_to_the_report_is_measured_as_stress_run_prints_it() -> None:
    row = to_report("single_pool", "scheduled", 1, 20.0)
    assert row["verdict"] == "LOST"
    assert row["exact"] is True
    assert 0 < row["seconds"] < 20.0 + 12.0  # within the contract's bound
