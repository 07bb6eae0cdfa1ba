"""``python -m stress bench detection``: the targets it finds, and one short real run
written to a temporary folder (never to ``reports/``)."""

from __future__ import annotations

import json
from pathlib import Path

from stress.bench import BENCHMARKS
from stress.bench.detection import main, targets


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
    code = main(
        ["--targets", "broken_lost_marker_race", "--seeds", "1", "--budget", "5", "--out", str(out)]
    )
    assert code == 0
    document = json.loads((out / "results.json").read_text())
    (row,) = document["summary"]
    assert row["target"] == "broken_lost_marker_race"
    assert row["found"] == 1
    assert row["median_s"] is not None
    table = (out / "results.md").read_text()
    assert "| broken_lost_marker_race | 1/1 |" in table
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "results.md"]


def test_bad_use_is_exit_status_2(tmp_path: Path) -> None:
    assert main(["--targets", "no_such_target", "--out", str(tmp_path)]) == 2
    assert main(["--seeds", "0", "--out", str(tmp_path)]) == 2
    assert main(["--no-such-option"]) == 2
