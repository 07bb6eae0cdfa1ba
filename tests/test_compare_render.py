"""The report generator is a pure function from records to Markdown and plots."""

from __future__ import annotations

from typing import Any

from stress.compare.records import CONDITIONS, dump, parse
from stress.compare.render import PLOT_FIRST_DEFECT, PLOT_LOSS, PLOT_THROUGHPUT, render

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _trial(variant: str, condition: str, k: int, category: str | None, lost: int = 0) -> Any:
    return {
        "type": "trial",
        "variant": variant,
        "condition": condition,
        "k": k,
        "config": {},
        "category": category,
        "lost": lost,
        "duration_s": 0.01,
        "live_workers": 0,
    }


def _records(*, partial: bool = False) -> list[Any]:
    records: list[Any] = [
        {
            "type": "env",
            "python": "3.11.7",
            "cpus": 2,
            "date": "2026-11-25",
            "seed": 7,
            "quick": True,
            "partial": partial,
        },
    ]
    for condition in CONDITIONS:
        records += [_trial("good", condition, k, None) for k in range(4)]
    records += [
        _trial("leaky", "plain", k, "LOST" if k % 2 else None, lost=k % 2) for k in range(4)
    ]
    records += [_trial("leaky", "faults", k, "HANG") for k in range(2)]
    records += [
        {"type": "sweep", "variant": "leaky", "workers": w, "trials": 10, "losses": min(10, 5 * w)}
        for w in (1, 2, 5)
    ]
    records += [
        {
            "type": "perf",
            "variant": "good",
            "workload": "sleep",
            "workers": w,
            "items": 100,
            "seconds": 0.1 / w,
            "items_per_s": 1000.0 * w,
            "ideal_s": 0.098 / w,
            "join_s": 0.001,
            "peak_threads": 2 * w + 1,
        }
        for w in (1, 5)
    ]
    records.append({"type": "latency", "variant": "good", "seconds": 0.0012})
    return records


def test_verdict_table_shows_passes_and_defect_rates() -> None:
    markdown = render(_records()).markdown
    assert "| `good` | pass (4) | pass (4) | pass (4) | pass (4) |" in markdown
    assert "| `leaky` | **LOST 50%** (4) | not run | **HANG 100%** (2) | not run |" in markdown


def test_detail_table_gives_first_defect_and_mean_loss() -> None:
    markdown = render(_records()).markdown
    assert "| `leaky` | plain | 4 | 2 | 0.50 | 1 | 0.020 | 0 |" in markdown
    assert "| `leaky` | faults | 2 | 2 | 0.00 | 0 | 0.010 | 0 |" in markdown


def test_performance_tables_compare_with_the_ideal_makespan() -> None:
    markdown = render(_records()).markdown
    assert "| `good` | 5 | 100 | 0.020 | 5,000 | 98.0% | 1.00 | 11 |" in markdown
    assert "| `good` | 1.20 ms |" in markdown


def test_every_plot_is_a_png_linked_from_the_markdown() -> None:
    report = render(_records())
    assert set(report.plots) == {PLOT_LOSS, PLOT_THROUGHPUT, PLOT_FIRST_DEFECT}
    for name, image in report.plots.items():
        assert image.startswith(PNG_MAGIC)
        assert f"({name})" in report.markdown


def test_the_same_records_give_the_same_markdown() -> None:
    records = list(parse(dump(_records()).splitlines()))
    assert render(records).markdown == render(_records()).markdown


def test_a_partial_campaign_is_marked_partial() -> None:
    assert "Partial report" in render(_records(partial=True)).markdown
    assert "Partial report" not in render(_records()).markdown


def test_no_records_give_a_report_without_plots() -> None:
    report = render([])
    assert report.plots == {}
    assert "# Thread-pool pipeline variants under stress" in report.markdown
