"""``python -m stress bench shards``: does a sharded gate campaign grow with the cores?

Runs one pytest gate (``countdown`` under full stress) as ``--stress-shards 2`` with
``-n 1`` and then ``-n 2``, each shard searching for the same budget, and counts the
trials searched (the plugin's summary line) per second of wall time.  Writes
``results.md`` and ``results.json`` in ``reports/bench/shards/`` (or ``--out``), each
replaced atomically.  The machine's other load is recorded beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from stress.compare import write_atomically

GATE = """
def test_gate(stress_check):
    stress_check("countdown")
"""
SUMMARY = re.compile(r"stress: (\d+) gates passed, (\d+) trials searched")
DEFAULT_OUT = Path("reports/bench/shards")


def _run(workers: int, shards: int, budget: float, folder: Path) -> dict[str, float]:
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers),
        "--stress-shards", str(shards), "--stress-budget", str(budget), "--stress-seed", "1",
        "test_gate.py",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=budget * shards + 300,
        check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    found = SUMMARY.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"the gate run failed ({done.returncode}): {done.stdout[-500:]}")
    trials = int(found.group(2))
    return {"workers": workers, "shards": shards, "budget_s": budget, "wall_s": wall,
            "trials": trials, "trials_per_s": trials / wall}  # fmt: skip


def _markdown(rows: list[dict[str, float]], load: tuple[float, float, float]) -> str:
    lines = [
        "# Sharded gate campaign: trials per second with -n 1 and -n 2",
        "",
        'One gate (`stress_check("countdown")`), `--stress-shards 2`, each shard searching '
        f"for {rows[0]['budget_s']:g} s. Command: `python -m stress bench shards`. "
        f"{os.cpu_count()} CPUs; load average before the run: {load[0]:.2f}.",
        "",
        "| pytest -n | shards | wall (s) | trials | trials/s |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['workers']:.0f} | {r['shards']:.0f} | {r['wall_s']:.1f} | {r['trials']:.0f} "
        f"| {r['trials_per_s']:.1f} |"
        for r in rows
    ]
    by_workers = {r["workers"]: r["trials_per_s"] for r in rows}
    if by_workers.get(1) and by_workers.get(2):
        lines += ["", f"Speed-up from 1 to 2 workers: {by_workers[2] / by_workers[1]:.2f}x."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m stress bench shards")
    parser.add_argument("--quick", action="store_true", help="2 s shards instead of 10 s")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    budget = 2.0 if args.quick else 10.0
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"stress bench shards: cannot create {args.out}: {error.strerror}", file=sys.stderr)
        return 2
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "test_gate.py").write_text(GATE)
        rows = [_run(workers, 2, budget, Path(folder)) for workers in (1, 2)]
    write_atomically(
        args.out / "results.json",
        json.dumps({"load_before": load, "rows": rows}, indent=2).encode(),
    )
    write_atomically(args.out / "results.md", _markdown(rows, load).encode())
    print(_markdown(rows, load))
    return 0
