"""``python -m stress bench modes``: real threads, the controlled scheduler and ``auto``
(the portfolio of both) side by side.

Two measurements, each mode on the same targets, seeds and machine:

* **Throughput**: a search of ``countdown`` pinned to 2 stages x 2 workers and at most
  4 items (plain values, no faults), and a default search of ``countdown``, for
  ``--budget`` seconds each: trials a second, schedules a second (a scheduled trial
  runs many schedules; a real-threads trial is one), and the CPU share actually used
  (the searching process and its trial children, user + system, over wall time and
  the CPUs).
* **Time to the report**: in process, as ``stress run`` calls it (search, shrinking,
  re-runs and the printed report: :func:`stress.faces.api.campaign`) on the tutorial's
  shutdown races and the zoo's two few-bytecode windows, seeds 0 to 4, and how many of
  the reports say ``(replay: exact)``.
* **False alarms**: the project's designs on plain values and every correct zoo
  pipeline, one search per mode: each must PASS; a target the scheduler cannot
  control falls back to real threads, which the table says.

Invariants: targets are named, never imported here (this process forks the trials);
``results.md`` and ``results.json`` under ``reports/bench/modes/`` (or ``--out``) are
each replaced atomically; nothing else is written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stress.bench.detection import ZOO, atomic_write
from stress.core.config import SearchOptions
from stress.core.errors import InternalError, UsageError
from stress.core.record import TrialRecord
from stress.faces.api import campaign
from stress.forms.targets import parse_target
from stress.search.engine import SearchResult, search
from stress.trial.execution import TrialExecutor
from stress.trial.portfolio import EXECUTORS

DEFAULT_OUT = Path("reports") / "bench" / "modes"
COMMAND = "python -m stress bench modes"
MODES: dict[str, TrialExecutor] = EXECUTORS  # threads, scheduled, auto (the default)
#: The designs that must pass on plain values (the issue's list).
DESIGNS = ("countdown", "queue_shutdown", "barrier", "counted", "separate_pools")
SMALL = SearchOptions(stages=2, workers=(2,), max_items=4, faults=False, awkward=False)
PLAIN = SearchOptions(faults=False, awkward=False)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def throughput(target: str, options: SearchOptions, mode: str, budget: float) -> dict[str, Any]:
    """One search: trials and schedules a second, and the CPU share used."""
    schedules = [0]

    def count(result: SearchResult, record: TrialRecord) -> None:
        schedules[0] += record.counts.get("schedules", 1)

    cpu, wall = _cpu(), time.monotonic()
    result = search(
        parse_target(target),
        seed=0,
        budget=budget,
        trial_timeout=2.0,
        options=options,
        on_trial=count,
        executor=MODES[mode],
    )
    cpu, wall = _cpu() - cpu, time.monotonic() - wall
    return {
        "target": target,
        "mode": result.mode,
        "trials": result.trials,
        "schedules": schedules[0],
        "seconds": round(wall, 2),
        "trials_per_s": round(result.trials / wall, 1),
        "schedules_per_s": round(schedules[0] / wall, 1),
        "cpu_share": round(cpu / wall / (os.cpu_count() or 1), 2),
        "defect": result.defect.category if result.defect else None,
    }


#: Targets of the time-to-report measurement: the tutorial races, the bytecode windows.
REPORTED = (
    ("single_pool", "single_pool", PLAIN),
    ("barrier_as_published", "barrier_as_published", PLAIN),
    ("counted", "counted", SearchOptions()),  # its hang needs a stage error
    ("race_lost_update", "tests.zoo.race_lost_update:pipeline", PLAIN),
    ("race_lock_order", "tests.zoo.race_lock_order:pipeline", PLAIN),
)


def to_report(
    target: str, mode: str, seed: int, budget: float, options: SearchOptions = PLAIN
) -> dict[str, Any]:
    """Seconds from the call to the rendered report, as ``stress run`` does it."""
    started = time.monotonic()
    done = campaign(
        parse_target(target),
        budget=budget,
        seed=seed,
        trial_timeout=2.0,
        options=options,
        replay=None,
        executor=MODES[mode],
    )
    first = done.text.splitlines()[0]
    return {
        "seconds": round(time.monotonic() - started, 3),
        "verdict": first.split()[1] if first.startswith("DEFECT") else "PASS",
        "exact": first.endswith("(replay: exact)"),
    }


def correct_targets() -> list[tuple[str, str, SearchOptions]]:
    """(label, target, options): the designs on plain values, then the correct zoo."""
    found = [(name, name, PLAIN) for name in DESIGNS]
    for path in sorted(ZOO.glob("correct_*.py")):
        found.append((path.stem, f"{'.'.join(ZOO.parts)}.{path.stem}:pipeline", SearchOptions()))
    return found


def false_alarm(target: str, options: SearchOptions, mode: str, budget: float) -> dict[str, Any]:
    result = search(
        parse_target(target),
        seed=0,
        budget=budget,
        trial_timeout=2.0,
        options=options,
        executor=MODES[mode],
    )
    return {
        "verdict": result.defect.category if result.defect else "PASS",
        "trials": result.trials,
        "ran_as": result.mode,
        "uncontrolled": result.uncontrolled,
    }


def render(document: dict[str, Any]) -> str:
    meta = document["meta"]
    lines = [
        "# Modes benchmark: real threads and the controlled scheduler",
        "",
        f"Command: `{meta['command']}`. Generated {meta['generated']} on Python "
        f"{meta['python']} ({meta['machine']}, {meta['cpus']} CPUs, load average "
        f"{meta['load_average'][0]} at the end). Budget {meta['budget']:g} s per search.",
        "",
        "## Throughput",
        "",
        "| search | mode | trials/s | schedules/s | CPU share | trials | defect |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in document["throughput"]:
        lines.append(
            f"| {row['label']} | {row['mode']} | {row['trials_per_s']:g} "
            f"| {row['schedules_per_s']:g} | {row['cpu_share']:.0%} | {row['trials']} "
            f"| {row['defect'] or '-'} |"
        )
    lines += [
        "",
        "A real-threads trial is one run of the pipeline; a scheduled trial runs up to 50 "
        "schedules of its configuration in one child (fewer when its share of the trial "
        "timeout is spent). CPU share: user + system time of the search and its children "
        "over wall time and CPUs.",
        "",
        "## Time to the report (search, shrinking and re-runs included)",
        "",
        "Plain values, no faults (counted: faults on, its hang needs one), seeds 0 to "
        f"{meta.get('seeds', 5) - 1}, "
        "in process as `stress run` calls it (the command line's start not included), "
        "with a budget of 4 x the searches' budget.",
        "",
        "| target | "
        + " | ".join(f"{mode}: median s | max s | found" for mode in MODES)
        + " | exact replays (scheduled, auto) |",
        "|---|" + "---|---|---|" * len(MODES) + "---|",
    ]
    for row in document["to_report"]:
        cells = []
        for mode in MODES:
            runs = row[mode]
            times = sorted(r["seconds"] for r in runs)
            found = sum(r["verdict"] != "PASS" for r in runs)
            cells.append(f"{statistics.median(times):.2f} | {times[-1]:.2f} | {found}/{len(runs)}")
        exact = ", ".join(
            f"{sum(r['exact'] for r in row[mode])}/{len(row[mode])}"
            for mode in ("scheduled", "auto")
        )
        lines.append(f"| {row['target']} | {' | '.join(cells)} | {exact} |")
    lines += [
        "",
        "## False alarms (each must PASS)",
        "",
        "| target | " + " | ".join(MODES) + " |",
        "|---|" + "---|" * len(MODES),
    ]
    alarms = 0
    for row in document["false_alarms"]:
        cells = []
        for mode in MODES:
            run = row[mode]
            alarms += run["verdict"] != "PASS"
            cell = f"{run['verdict']} ({run['trials']} trials)"
            if run["ran_as"] != mode:  # (auto: "auto" unless it fell back)
                cell += f", fell back to {run['ran_as']} ({run['uncontrolled']} uncontrolled)"
            cells.append(cell)
        lines.append(f"| {row['target']} | {' | '.join(cells)} |")
    lines += ["", f"False alarms: {alarms}.", ""]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s budgets")
    parser.add_argument("--budget", type=float, default=None, help="seconds per search")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--targets", default=None, help="comma-separated correct targets")
    parser.add_argument(
        "--seeds", type=int, default=5, help="seeds 0..N-1 of the time to the report (default 5)"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    budget = args.budget if args.budget is not None else 3.0 if args.quick else 10.0
    if budget <= 0 or args.seeds < 1:
        print("stress bench modes: --budget must be > 0 and --seeds >= 1", file=sys.stderr)
        return 2
    chosen = correct_targets()
    if args.targets:
        wanted = set(args.targets.split(","))
        chosen = [t for t in chosen if t[0] in wanted]
        if len(chosen) != len(wanted):
            print("stress bench modes: unknown targets in --targets", file=sys.stderr)
            return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"stress bench modes: cannot write to {args.out}: {error}", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    alarms: list[dict[str, Any]] = []
    try:
        for label, options in (("countdown, 2x2 workers, <= 4 items", SMALL), ("countdown", None)):
            for mode in MODES:
                row = throughput("countdown", options or SearchOptions(), mode, budget)
                rows.append({"label": label, **row})
                print(f"{label} {mode}: {row['schedules_per_s']} schedules/s", file=sys.stderr)
        reported = []
        for label, target, chosen_options in REPORTED if not args.targets else ():
            row = {"target": label}
            for mode in MODES:
                row[mode] = [
                    to_report(target, mode, seed, 4 * budget, chosen_options)
                    for seed in range(args.seeds)
                ]
            reported.append(row)
            print(f"{label}: {row}", file=sys.stderr, flush=True)
        for label, target, options in chosen:
            alarm: dict[str, Any] = {"target": label}
            for mode in MODES:
                alarm[mode] = false_alarm(target, options, mode, budget)
            alarms.append(alarm)
            print(f"{label}: {alarm}", file=sys.stderr, flush=True)
    except (UsageError, InternalError) as error:
        print(f"stress bench modes: {error}".splitlines()[0], file=sys.stderr)
        return 2
    meta = {
        "command": " ".join([COMMAND, *argv]),
        "seeds": args.seeds,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "budget": budget,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    document = {
        "meta": meta,
        "throughput": rows,
        "to_report": reported,
        "false_alarms": alarms,
    }
    atomic_write(args.out / "results.json", lambda h: json.dump(document, h, indent=1))
    atomic_write(args.out / "results.md", lambda h: h.write(render(document)))
    print(f"wrote {args.out / 'results.md'}")
    return 0
