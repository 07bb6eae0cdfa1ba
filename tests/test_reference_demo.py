"""The tutorial demo: ``python -m reference <variant>`` reports what reached the caller."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from reference import TUTORIAL
from reference.__main__ import main as demo_main

DEMO_TIMEOUT = 60


@pytest.mark.parametrize("name", TUTORIAL)
def test_demo_prints_each_step_and_how_many_results_arrived(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reference", name, "--scale", "0.002", "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert any(line.startswith("> Task1 got 0,") for line in lines)
    assert any(line.startswith("Main got ") for line in lines)
    assert "results reached the caller" in lines[-2]
    assert "workers were still working" in lines[-1]
    received = int(lines[-2].split()[0])
    assert done.returncode == (0 if received == 20 else 1)


class _Writes(io.StringIO):
    """A stdout that records each ``write`` call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)


def test_every_line_of_the_demo_is_written_in_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers print from many threads: a line written as its text and then its newline
    let another thread's line in between ("Main got 3> Task1 got 0, ..."), and a check
    for a line that starts with "> Task1 got 0," failed on a loaded machine."""
    out = _Writes()
    monkeypatch.setattr(sys, "stdout", out)
    assert demo_main(["single_pool", "--scale", "0", "--seed", "1", "--items", "3"]) in (0, 1)
    assert out.calls
    assert all(text.endswith("\n") and text.count("\n") == 1 for text in out.calls), out.calls
