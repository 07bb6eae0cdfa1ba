"""``python -m stress bench shards``: its table and its bad-use status."""

from __future__ import annotations

from stress.bench import shards
from stress.faces.cli import main


def test_the_summary_pattern_reads_the_plugins_line() -> None:
    found = shards.SUMMARY.search("x\nstress: 2 gates passed, 345 trials searched\n")
    assert found is not None
    assert found.groups() == ("2", "345")


def test_the_table_gives_trials_per_second_and_the_speed_up() -> None:
    rows = [
        {"workers": 1, "shards": 2, "budget_s": 10.0, "wall_s": 20.0, "trials": 400,
         "trials_per_s": 20.0},
        {"workers": 2, "shards": 2, "budget_s": 10.0, "wall_s": 10.0, "trials": 360,
         "trials_per_s": 36.0},
    ]  # fmt: skip
    markdown = shards._markdown(rows, (0.5, 0.5, 0.5))
    assert "| 1 | 2 | 20.0 | 400 | 20.0 |" in markdown
    assert "Speed-up from 1 to 2 workers: 1.80x." in markdown


def test_an_unknown_option_is_status_2() -> None:
    assert main(["bench", "shards", "--no-such-option"]) == 2
