"""``python -m stress compare --python PATH``: each interpreter's campaign, side by side,
every rate with its 95 % Wilson interval; a bad interpreter is a one-line usage error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stress.compare.render import render
from stress.compare.stats import rate_text, wilson
from tests.stress_helpers import run_stress


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (0, 20, 0.0, 0.1611),
        (1, 20, 0.0089, 0.2361),
        (10, 20, 0.2993, 0.7007),
        (20, 20, 0.8389, 1.0),
    ],
)
def test_the_wilson_interval_matches_known_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    got = wilson(successes, trials)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_a_rate_reads_with_its_interval() -> None:
    assert rate_text(10, 20) == "50% [30-70]"
    assert rate_text(0, 0) == "-"
    with pytest.raises(ValueError, match="within"):
        wilson(3, 2)


def _env(label: str) -> dict[str, object]:
    return {"type": "env", "interpreter": label, "python": label.rstrip("t"), "seed": 1}


def _trial(label: str, category: str | None, k: int) -> dict[str, object]:
    return {
        "type": "trial", "interpreter": label, "variant": "single_pool", "condition": "plain",
        "k": k, "category": category, "lost": 1 if category == "LOST" else 0,
        "duration_s": 0.01, "live_workers": 0, "config": {},
    }  # fmt: skip


def test_the_report_puts_each_interpreters_rates_side_by_side() -> None:
    records = [_env("3.11.7"), *(_trial("3.11.7", "LOST" if k < 5 else None, k) for k in range(20))]
    records += [_env("3.14.7t"), *(_trial("3.14.7t", "LOST", k) for k in range(20))]
    markdown = render(records).markdown
    assert "## Interpreters side by side" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| `single_pool` plain"))
    assert "lost 25% [11-47]" in row  # 3.11: 5 of 20
    assert "lost 100% [84-100]" in row  # 3.14t: 20 of 20
    assert row.index("25%") < row.index("100%")  # in the order given


def test_one_interpreter_has_no_side_by_side_section() -> None:
    markdown = render([_env("3.11.7"), _trial("3.11.7", None, 0)]).markdown
    assert "side by side" not in markdown


def test_two_interpreters_run_the_same_campaign(tmp_path: Path) -> None:
    done = run_stress(
        "compare", "--quick", "--variants", "single_pool", "--seed", "3", "--out", str(tmp_path),
        "--python", sys.executable, "--python", sys.executable, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    markdown = (tmp_path / "REPORT.md").read_text()
    header = next(line for line in markdown.splitlines() if line.startswith("| variant, condition"))
    assert header.count("|") == 4, header  # two interpreter columns
    assert f"({sys.executable})" in header  # the same version twice: told apart by path
    assert "interpreter" in (tmp_path / "records.jsonl").read_text()


@pytest.mark.parametrize(
    ("path", "message"),
    [("/no/such/python", "no executable file there"), ("/bin/false", "cannot import")],
)
def test_an_unusable_interpreter_is_a_one_line_usage_error(
    tmp_path: Path, path: str, message: str
) -> None:
    done = run_stress("compare", "--quick", "--out", str(tmp_path), "--python", path, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "REPORT.md").exists()


def test_an_interpreters_campaign_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A campaign child that runs past its limit is killed and named, never waited for."""
    from stress.compare import interpreters

    monkeypatch.setattr(interpreters, "QUICK_LIMIT", 0.5)
    with pytest.raises(interpreters.InterpreterError, match=r"did not finish within 0\.5 s"):
        interpreters.run_campaign(sys.executable, seed=1, quick=True, variants=None, taken=set())
