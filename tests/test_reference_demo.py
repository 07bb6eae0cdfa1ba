"""The tutorial demo: ``python -m reference <variant>`` reports what reached the caller."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reference import TUTORIAL

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
