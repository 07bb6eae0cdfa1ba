"""The pytest plugin (CONTRACT.md section 5), exercised through pytester subprocess runs."""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ["pytester"]

RUN_TIMEOUT = 180

CORRECT_PIPELINE = '''
import queue, threading

def pipeline(items, stages, workers):
    """A thread per worker, one end marker per worker, joined before returning."""
    end = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []
    def serve(k):
        while (x := queues[k].get()) is not end:
            try:
                queues[k + 1].put(stages[k](x))
            except BaseException as error:
                errors.append(error)
        return None
    threads = []
    for k, width in enumerate(workers):
        threads.append([threading.Thread(target=serve, args=(k,)) for _ in range(width)])
    for group in threads:
        for thread in group:
            thread.start()
    for item in items:
        queues[0].put(item)
    for k, group in enumerate(threads):
        for _ in group:
            queues[k].put(end)
        for thread in group:
            thread.join()
    if errors:
        raise errors[0]
    out = []
    while not queues[-1].empty():
        out.append(queues[-1].get())
    return out
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=RUN_TIMEOUT)


def test_a_passing_gate_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_gate=CORRECT_PIPELINE
        + """
def test_gate(stress_check):
    result = stress_check(pipeline, budget=1.0, seed=3)
    assert result.trials > 0 and result.seed == 3
"""
    )
    result = _run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["stress: 1 gates passed, * trials searched"])


def test_shards_run_on_explicit_popen_workers_as_on_remote_ones(pytester: pytest.Pytester) -> None:
    """The mechanism of a remote campaign (``--tx ssh=...``), tried with local workers."""
    pytester.makepyfile(
        test_gate=CORRECT_PIPELINE
        + """
def test_gate(stress_check):
    stress_check(pipeline, budget=0.5)
"""
    )
    tx = f"2*popen//python={sys.executable}"
    result = _run(pytester, "--dist", "load", "--tx", tx, "--stress-shards", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["stress: 2 gates passed, * trials searched"])


def test_a_failing_gate_shows_the_defect_report_not_the_harness(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_gate="""
def test_gate(stress_check):
    stress_check("single_pool", budget=20.0, seed=1)
"""
    )
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*stress gate failed:*", "DEFECT *", "config: *", "seed: *", "replay: *"]
    )
    assert "stress/search/engine.py" not in result.stdout.str()


def test_a_hanging_target_fails_its_test_and_the_session_goes_on(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_gate="""
import threading

def hangs(items, stages, workers):
    threading.Thread(target=threading.Event().wait).start()  # non-daemon, never ends
    threading.Event().wait()

def test_gate(stress_check):
    stress_check(hangs, budget=1.0, seed=1, trial_timeout=0.5)

def test_after():
    pass
"""
    )
    result = _run(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*DEFECT HANG*"])


RECORDING_CONFTEST = """
import json, os
import pytest
import stress.faces.api

@pytest.fixture(autouse=True)
def record_calls(monkeypatch):
    def fake_check(target, **options):
        with open(os.environ["CALLS_FILE"], "a") as out:
            out.write(json.dumps(options, sort_keys=True) + "\\n")
    monkeypatch.setattr(stress.faces.api, "check", fake_check)
"""


def _calls(pytester: pytest.Pytester) -> list[dict[str, object]]:
    import json

    lines = (pytester.path / "calls.jsonl").read_text().splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda c: sorted(c.items()))


@pytest.fixture
def recording(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(RECORDING_CONFTEST)
    monkeypatch.setenv("CALLS_FILE", str(pytester.path / "calls.jsonl"))
    return pytester


def test_explicit_arguments_beat_the_marker_which_beats_options_and_ini(
    recording: pytest.Pytester,
) -> None:
    recording.makeini("[pytest]\nstress_budget = 7\n")
    recording.makepyfile(
        test_gate="""
import pytest

def test_ini_and_option(stress_check):
    stress_check("countdown")

@pytest.mark.stress(budget=2.5, faults=False)
def test_marker(stress_check):
    stress_check("countdown")

@pytest.mark.stress(budget=2.5, faults=False)
def test_explicit(stress_check):
    stress_check("countdown", budget=0.5)
"""
    )
    _run(recording, "--stress-seed", "11").assert_outcomes(passed=3)
    assert _calls(recording) == [
        {"budget": 0.5, "faults": False, "seed": 11},
        {"budget": 2.5, "faults": False, "seed": 11},
        {"budget": 7.0, "seed": 11},
    ]


def test_the_command_line_budget_beats_the_ini_key(recording: pytest.Pytester) -> None:
    recording.makeini("[pytest]\nstress_budget = 7\n")
    recording.makepyfile(test_gate="def test_gate(stress_check):\n    stress_check('countdown')\n")
    _run(recording, "--stress-budget", "3").assert_outcomes(passed=1)
    assert _calls(recording) == [{"budget": 3.0}]


def test_shards_are_collected_as_separate_tests_on_their_own_seed_streams(
    recording: pytest.Pytester,
) -> None:
    recording.makepyfile(test_gate="def test_gate(stress_check):\n    stress_check('countdown')\n")
    result = _run(recording, "--stress-shards", "3", "--stress-seed", "5", "-n", "2", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random(
        [
            "*test_gate[[]shard-0-of-3[]]*",
            "*test_gate[[]shard-1-of-3[]]*",
            "*test_gate[[]shard-2-of-3[]]*",
        ]
    )
    seeds = {call["seed"] for call in _calls(recording)}
    assert len(seeds) == 3


def test_bad_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_gate="def test_gate():\n    pass\n")
    result = _run(pytester, "--stress-shards", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stress-shards must be >= 1*"])
