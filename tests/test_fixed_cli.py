"""``python -m stress run`` on fixed pipelines, ``pipeline(items)``, left as written.

Through ``main(argv)`` (and once through ``python -m stress``): each defect class with
its category, the correct ones passing, ``results=unchecked``, patches imported by
name, a patch never called, ``--items`` with a hypothesis strategy and its replay,
and the no-patch mode finding a sentinel race by pressure alone.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stress.faces import run_command
from tests.stress_helpers import run_stress, stress_env


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = run_command.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _zoo(name: str, *, patch: bool = True, expect: bool = True) -> list[str]:
    """The command line for a fixed zoo pipeline, with its patches and expectation."""
    module = importlib.import_module(f"tests.zoo.{name}")
    argv = [f"tests.zoo.{name}:pipeline", "--fixed"]
    if patch:
        for target in module.PATCH:
            argv += ["--patch", target]
    if expect:
        argv += ["--expect", module.EXPECT]
    return argv


@pytest.mark.parametrize(
    ("name", "category", "extra"),
    [
        ("fixed_lost_pool_sentinel", "LOST", ["--no-faults"]),
        ("fixed_swallow_as_completed", "SWALLOWED_ERROR", []),
        ("fixed_leak_class_stages", "LEAKED_WORKER", ["--no-faults"]),
        # seed 5: trial k=1 already injects a fault (the hang needs one)
        ("fixed_hang_worker_dies", "HANG", ["--trial-timeout", "1", "--seed", "5"]),
    ],
)
def test_a_fixed_pipeline_defect_is_found_with_its_category(
    capsys: pytest.CaptureFixture[str], name: str, category: str, extra: list[str]
) -> None:
    argv = [*_zoo(name), "--budget", "6", "--seed", "3", *extra]
    status, out, err = _run(capsys, *argv)
    assert status == 1, out + err
    lines = out.splitlines()
    assert lines[0].startswith(f"DEFECT {category} "), out[:3000]
    replay = next(line for line in lines if line.startswith("replay: "))
    assert "--fixed" in replay
    assert all(f"--patch {p}" in replay for p in importlib.import_module(f"tests.zoo.{name}").PATCH)
    assert any(line.startswith("fixed pipeline: ") for line in lines)


@pytest.mark.parametrize("name", ["fixed_correct_threads", "fixed_correct_pool_sentinel"])
def test_a_correct_fixed_pipeline_passes_with_its_results_checked(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """``fixed_correct_pool_sentinel`` imports its stages by name: a PASS (not exit 2)
    shows that the patches reached it."""
    status, out, err = _run(capsys, *_zoo(name), "--budget", "3", "--seed", "4")
    assert status == 0, out + err
    assert out.startswith("PASS trials=")
    assert "results=unchecked" not in out


def test_without_expect_the_verdict_says_results_were_unchecked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = _zoo("fixed_correct_class", expect=False)
    status, out, err = _run(capsys, *argv, "--budget", "2", "--seed", "4")
    assert status == 0, err + out[:3000]
    assert re.fullmatch(
        r"PASS trials=\d+ configurations=\d+ seed=4 skipped=0 results=unchecked"
        r"( errors=unchecked)?\n",
        out,
    )


def test_with_no_patch_the_verdict_says_errors_were_unchecked_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = _zoo("fixed_correct_class", patch=False, expect=False)
    status, out, err = _run(capsys, *argv, "--budget", "1", "--seed", "4")
    assert status == 0, err + out[:3000]
    assert out.rstrip().endswith(" results=unchecked errors=unchecked")


def test_a_patch_that_is_never_called_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "tests.zoo.fixed_correct_threads:pipeline",
        "--patch",
        "tests.zoo.fixed_correct_threads:decode",
        "--patch",
        "tests.zoo.fixed_stages:fetch",
        "--budget",
        "20",
        "--seed",
        "1",
    ]
    status, out, err = _run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "--patch tests.zoo.fixed_stages:fetch was never called" in err


def test_a_patch_on_a_generalised_target_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = _run(capsys, "countdown", "--patch", "tests.zoo.fixed_stages:fetch")
    assert status == 2
    assert "--fixed" in err


def test_pressure_alone_finds_the_sentinel_race_with_no_patch_and_no_expect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = _zoo("fixed_lost_shared_pool", patch=False, expect=False)
    status, out, err = _run(capsys, *argv, "--budget", "10", "--seed", "5")
    assert status == 1, out + err
    assert out.startswith("DEFECT LOST "), out[:2000]
    assert "results were not compared" in out


def test_items_from_a_strategy_find_a_falsy_filter_and_replay_the_same_items(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [*_zoo("fixed_lost_falsy_filter"), "--items", "tests.zoo.fixed_lost_falsy_filter:ITEMS"]
    status, out, err = _run(capsys, *argv, "--budget", "8", "--seed", "2", "--no-faults")
    assert status == 1, err + out[:2000]
    assert out.startswith("DEFECT LOST "), out[:2000]
    config = json.loads(next(x for x in out.splitlines() if x.startswith("config: "))[8:])
    assert config["items_digest"]
    token = json.dumps({**config, "v": 1})
    status, again, err = _run(capsys, *argv, "--replay", token, "--budget", "8")
    assert status == 1, err + again[:2000]
    assert again.startswith("DEFECT LOST ")

    tampered = json.dumps({**config, "v": 1, "items_digest": "0" * 16})
    status, _, err = _run(capsys, *argv, "--replay", tampered, "--budget", "8")
    assert status == 2
    assert "other items" in err


def test_json_names_the_fixed_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "result.json"
    argv = [*_zoo("fixed_correct_threads"), "--budget", "1", "--seed", "1", "--json", str(out_path)]
    status, _, err = _run(capsys, *argv)
    assert status == 0, err
    document = json.loads(out_path.read_text())
    assert document["options"]["fixed"] == {
        "patch": [
            "tests.zoo.fixed_correct_threads:decode",
            "tests.zoo.fixed_correct_threads:score",
        ],
        "expect": "tests.zoo.fixed_correct_threads:expected",
        "items": None,
    }


def test_python_dash_m_stress_checks_a_fixed_pipeline() -> None:
    done = run_stress(
        "run",
        "tests.zoo.fixed_swallow_as_completed:pipeline",
        "--patch",
        "tests.zoo.fixed_swallow_as_completed:thumbnail",
        "--budget",
        "4",
        "--seed",
        "1",
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("DEFECT SWALLOWED_ERROR ")


def test_the_readme_example_command_finds_the_crawlers_defect(tmp_path: Path) -> None:
    """README "Test your own pipeline": the crawler, saved as crawler.py, checked as is."""
    source = Path(__file__).parent / "zoo" / "fixed_readme_crawler.py"
    (tmp_path / "crawler.py").write_text(source.read_text())
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    command = "python -m stress run crawler:crawl --patch crawler:fetch --patch crawler:parse"
    assert command in readme
    argv = ["crawler:crawl", "--patch", "crawler:fetch", "--patch", "crawler:parse"]
    argv += ["--expect", "crawler:expected", "--seed", "7", "--budget", "6"]
    done = subprocess.run(
        [sys.executable, "-m", "stress", "run", *argv],
        cwd=tmp_path,
        env=stress_env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.split(" ", 2)[:2] in (["DEFECT", "LOST"], ["DEFECT", "SWALLOWED_ERROR"])


def test_a_slow_pipeline_whose_items_keep_moving_is_no_hang(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No patch: the watchdog sees progress in the queue operations alone."""
    argv = _zoo("fixed_correct_slow", patch=False)
    argv += ["--budget", "4", "--seed", "8", "--trial-timeout", "0.5", "--max-items", "80"]
    status, out, err = _run(capsys, *argv)
    assert status == 0, out[:3000] + err
