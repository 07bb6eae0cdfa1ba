"""``python -m stress bench pipelines``: the registry, and a quick run through the real entry point.

Only structure is asserted (files written, every figure beside its baseline), never
speed: the quick run is a smoke test of the benchmark's code, not a measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stress import bench
from stress.bench import pipelines

BENCH_TIMEOUT = 300.0


def test_bench_without_a_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([]) == 2
    assert "pipelines" in capsys.readouterr().err


def test_bench_help_lists_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--help"]) == 0
    assert "pipelines" in capsys.readouterr().out


def test_an_unknown_benchmark_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["no_such"]) == 2
    assert "no_such" in capsys.readouterr().err


def test_a_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["pipelines", "--no-such-option"]) == 2
    capsys.readouterr()


def test_a_quick_run_writes_the_table_the_json_and_the_memory_curve(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    done = subprocess.run(
        [sys.executable, "-m", "stress", "bench", "pipelines", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["memory.png", "results.json", "results.md"]
    results = json.loads((out / "results.json").read_text())
    rows = results["rows"]
    assert rows
    assert all(row["ours"] and row["baseline"] for row in rows)
    table = (out / "results.md").read_text()
    assert "python -m stress bench pipelines --quick" in table
    figures, _, cpu = table.partition("\n## CPU-bound stages")
    assert figures.count("\n| ") == len(rows) + 1  # a header, then one line per figure
    assert cpu.count("\n| ") == 1 + 2  # a header, then countdown and queue_shutdown
    assert (out / "memory.png").read_bytes().startswith(b"\x89PNG")


def test_the_sleep_baseline_is_one_pipeline_not_the_fastest_run_of_each_repetition() -> None:
    """Each hand-written kind wins one repetition by noise; the one that is fastest
    overall (lowest median) is the baseline, paired run by run."""
    times = {
        "simple_queue": [1.00, 1.00, 1.00],
        "queue": [0.90, 1.20, 1.20],
        f"queue_{pipelines.BOUND}": [1.20, 0.90, 1.20],
    }
    assert pipelines.best_handwritten(times) == "simple_queue"
