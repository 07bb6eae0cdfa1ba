"""``python -m stress run``: every exit status, the verdict's lines, --json, --replay and
one-line usage errors (CONTRACT.md section 3), through ``main(argv)`` and ``python -m``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stress.core.errors import InternalError
from stress.faces import run_command
from tests.stress_helpers import run_stress

BROKEN = "tests.zoo.broken_wrong_fast_path:pipeline"  # one item -> WRONG_VALUE, every time
CORRECT = "tests.zoo.correct_executor_map:pipeline"
PASS_LINE = re.compile(r"^PASS trials=\d+ configurations=\d+ seed=(\d+)( [a-z_]+=\S+)*$")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = run_command.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_defect_prints_its_category_config_seed_and_replay_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(capsys, BROKEN, "--budget", "20", "--seed", "4", "--max-items", "1")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("DEFECT WRONG_VALUE ")
    assert sum(line.startswith("DEFECT") for line in lines) == 1
    assert lines[1].startswith("config: {")
    assert json.loads(lines[1].removeprefix("config: "))["items"] == 1
    assert lines[2] == "seed: 4"
    assert lines[3].startswith(f"replay: python -m stress run {BROKEN} --replay ")
    assert "item #0" in out
    assert err == ""


def test_no_defect_prints_exactly_one_pass_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, CORRECT, "--budget", "1", "--seed", "2")
    assert status == 0
    assert out.count("\n") == 1
    match = PASS_LINE.match(out.strip())
    assert match is not None, out
    assert match.group(1) == "2"
    assert " skipped=0" in out
    assert err == ""


def test_without_a_seed_a_random_one_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, CORRECT, "--budget", "0.5")
    assert status == 0
    assert PASS_LINE.match(out.strip())


def test_what_the_target_prints_stays_out_of_standard_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(
        capsys, "tests.zoo.broken_swallow_logged:pipeline", "--seed", "3", "--budget", "20",
        "--no-awkward",
    )  # fmt: skip
    assert status == 1
    assert out.startswith("DEFECT SWALLOWED_ERROR ")
    assert all(not line.startswith("skipping item") for line in out.splitlines())
    assert "  skipping item" in out  # quoted in the details, indented
    assert err == ""


def test_replay_reruns_the_reported_trial(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, BROKEN, "--budget", "20", "--seed", "8", "--max-items", "1")
    config_line = out.splitlines()[1]
    token = re.search(r"--replay '(.*)'$", out.splitlines()[3])
    assert token is not None
    status, again, _ = _run(capsys, BROKEN, "--replay", token.group(1))
    assert status == 1
    assert again.splitlines()[1] == config_line


def test_json_output_and_replay_from_its_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "result.json"
    status, out, _ = _run(capsys, BROKEN, "--seed", "6", "--max-items", "1", "--json", str(path))
    assert status == 1
    document = json.loads(path.read_text())
    assert document["schema_version"] == 1
    assert document["verdict"] == "DEFECT"
    assert document["defect"]["category"] == "WRONG_VALUE"
    assert document["seed"] == 6
    assert document["trials"] >= 1
    status, again, _ = _run(capsys, BROKEN, "--replay", str(path))
    assert status == 1
    assert again.splitlines()[1] == out.splitlines()[1]


def test_json_output_on_success(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    status, _, _ = _run(capsys, CORRECT, "--budget", "0.5", "--json", str(path))
    assert status == 0
    document = json.loads(path.read_text())
    assert document["verdict"] == "PASS"
    assert document["defect"] is None


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--version")
    assert status == 0
    assert out.startswith("stress ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no_such_variant"], "unknown target 'no_such_variant'"),
        (["no_such_module_xyz:pipeline"], "cannot import module 'no_such_module_xyz'"),
        (["tests.zoo.unsupported_two_stages:missing"], "has no attribute 'missing'"),
        (["tests.zoo.unsupported_two_stages:NOT_CALLABLE"], "is not callable"),
        (["tests.zoo.unsupported_two_stages:never", "--budget", "1"], "every trial"),
        ([CORRECT, "--budget", "0"], "--budget"),
        ([CORRECT, "--budget", "soon"], "--budget"),
        ([CORRECT, "--trial-timeout", "-1"], "--trial-timeout"),
        ([CORRECT, "--seed", "x"], "--seed"),
        ([CORRECT, "--workers", "0,2"], "--workers"),
        ([CORRECT, "--workers", "a"], "--workers"),
        ([CORRECT, "--stages", "0"], "--stages"),
        ([CORRECT, "--stages", "3", "--workers", "1,2"], "--workers has 2 widths"),
        ([CORRECT, "--max-items", "-1"], "--max-items"),
        ([CORRECT, "--mode", "fast"], "--mode"),
        ([CORRECT, "--no-such-option"], "unrecognized arguments"),
        ([CORRECT, "--json", "/no/such/dir/out.json"], "no such directory"),
        ([CORRECT, "--replay", "{not json"], "not valid JSON"),
        ([CORRECT, "--replay", "/no/such/token.json"], "neither a JSON token nor"),
        ([CORRECT, "--replay", '{"v": 1, "seed": 1}'], "malformed"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_use_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = _run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err


def test_an_internal_error_is_one_line_and_status_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise InternalError("the harness broke\nsecond line")

    monkeypatch.setattr(run_command, "campaign", broken)
    status, out, err = _run(capsys, CORRECT, "--budget", "1")
    assert status == 3
    assert out == ""
    assert err == "stress run: internal error: the harness broke\n"


def test_a_file_path_target_is_accepted_too(capsys: pytest.CaptureFixture[str]) -> None:
    path = "tests/zoo/broken_wrong_fast_path.py:pipeline"
    status, out, _ = _run(capsys, path, "--budget", "20", "--seed", "1", "--max-items", "1")
    assert status == 1
    assert out.startswith("DEFECT WRONG_VALUE ")


@pytest.mark.smoke
def test_python_dash_m_stress_runs_the_command() -> None:
    done = run_stress("run", BROKEN, "--seed", "1", "--max-items", "1", "--budget", "20")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("DEFECT WRONG_VALUE ")
    assert done.stderr == ""  # no progress: stderr is not a terminal


def test_progress_goes_to_stderr_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from stress.core.config import SearchOptions, draw
    from stress.core.record import TrialRecord
    from stress.search.engine import Progress, SearchResult

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    record = TrialRecord(config=draw(1, 0, SearchOptions()))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    progress = Progress(5.0)
    progress(SearchResult(seed=1, trials=3), record)
    progress.close()
    assert "trials=3" in terminal.getvalue()

    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    quiet = Progress(5.0)
    quiet(SearchResult(seed=1, trials=3), record)
    quiet.close()
    assert pipe.getvalue() == ""
