"""``python -m stress compare --quick``: every variant and condition, verdicts as CATALOG.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference import VARIANTS
from stress.compare.campaign import cell_config
from stress.compare.records import CONDITIONS, Record, load
from stress.faces.cli import main

COMPARE_TIMEOUT = 240
SEED = 20261125


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stress",
            "compare",
            "--quick",
            "--seed",
            str(SEED),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=COMPARE_TIMEOUT,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr
    return out


def _trials(out: Path, variant: str, condition: str) -> list[Record]:
    return [
        r
        for r in load(out / "records.jsonl")
        if r["type"] == "trial" and r["variant"] == variant and r["condition"] == condition
    ]


def test_quick_compare_writes_the_report_records_and_plots(quick_report: Path) -> None:
    names = {path.name for path in quick_report.iterdir()}
    assert {"REPORT.md", "records.jsonl", "loss_vs_workers.png"} <= names
    assert not [name for name in names if name.endswith(".tmp")]
    markdown = (quick_report / "REPORT.md").read_text()
    for variant in VARIANTS:
        assert f"| `{variant}` |" in markdown


def test_every_variant_meets_every_condition(quick_report: Path) -> None:
    for variant in VARIANTS:
        for condition in CONDITIONS:
            assert _trials(quick_report, variant, condition), (variant, condition)


def test_single_pool_loses_results_with_plain_values(quick_report: Path) -> None:
    records = load(quick_report / "records.jsonl")
    plain = [r["category"] for r in _trials(quick_report, "single_pool", "plain")]
    sweep = [r for r in records if r["type"] == "sweep" and r["variant"] == "single_pool"]
    assert "LOST" in plain or any(r["losses"] for r in sweep if r["workers"] >= 2)
    assert not any(r["losses"] for r in sweep if r["workers"] == 1)


@pytest.mark.parametrize("variant", ["countdown", "queue_shutdown"])
def test_our_designs_pass_every_condition(quick_report: Path, variant: str) -> None:
    for condition in CONDITIONS:
        trials = _trials(quick_report, variant, condition)
        assert [t["category"] for t in trials] == [None] * len(trials), condition


@pytest.mark.parametrize("variant", ["counted", "barrier", "separate_pools"])
def test_the_counted_and_barrier_fixes_hang_when_a_stage_raises(
    quick_report: Path, variant: str
) -> None:
    faults = [t["category"] for t in _trials(quick_report, variant, "faults")]
    assert "HANG" in faults
    assert not [t for t in _trials(quick_report, variant, "plain") if t["category"]]


def test_each_cell_meets_the_same_configurations() -> None:
    for condition in CONDITIONS:
        assert cell_config(SEED, 2, condition) == cell_config(SEED, 2, condition)
    assert cell_config(SEED, 0, "faults").fault_stage is not None or (
        cell_config(SEED, 0, "faults").items == 0
    )


def test_bad_use_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--variants", "no_such", "--out", str(tmp_path)]) == 2
    assert main(["compare", "--seed", "x"]) == 2
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["compare", "--out", str(blocker / "sub")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("stress compare: ") for line in lines)
