"""``python -m stress bench detection``: time to the first defect, per broken target.

For every tutorial variant with a flaw and every broken pipeline in ``tests/zoo`` (the
``broken_*`` modules and the interleaving races ``race_*``), the default search
(:func:`stress.search.engine.search`, default options) runs once per seed and mode
(``--mode``: real threads, the controlled scheduler, ``auto`` (the default portfolio of
both), or all three side by side) with a
budget; a run's *time to first defect* is the search's elapsed time when it stops at
a defect, and the run is *missed* when the budget ends first.  The table gives, per
target and mode, how many seeds found it, the median and the spread (min to max) of
the time, the categories reported, which strategy drew the failing trial, and how
often the found trial showed the same category again when replayed (``--replays``
runs of the reported trial: its exact schedule in the scheduled mode).  The modes'
throughput and false alarms are measured by :mod:`stress.bench.modes`.

Invariants: targets are named, never imported here (this process forks the trials);
a zoo module's ``EXPECTED`` is read from its source.  ``results.md`` and
``results.json`` under ``reports/bench/detection/`` (or ``--out``) are each replaced
atomically; nothing else is written.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stress.core.config import SearchOptions
from stress.core.errors import InternalError, UsageError
from stress.forms.targets import parse_target
from stress.search.engine import search
from stress.trial.execution import run_trial
from stress.trial.portfolio import EXECUTORS
from stress.trial.preempt import MECHANISM

DEFAULT_OUT = Path("reports") / "bench" / "detection"
COMMAND = "python -m stress bench detection"
ZOO = Path("tests") / "zoo"
#: Tutorial variants and the categories their flaws show (CATALOG.md).
TUTORIAL = {
    "single_pool": ["LOST", "HANG", "SWALLOWED_ERROR", "LEAKED_WORKER", "WRONG_VALUE"],
    "counted": ["HANG", "LOST", "SWALLOWED_ERROR", "LEAKED_WORKER", "WRONG_VALUE"],
    "barrier_as_published": ["LOST", "HANG", "SWALLOWED_ERROR", "LEAKED_WORKER", "WRONG_VALUE"],
    "barrier": ["HANG", "LOST", "SWALLOWED_ERROR", "LEAKED_WORKER", "WRONG_VALUE"],
    "separate_pools": ["HANG", "LOST", "SWALLOWED_ERROR", "LEAKED_WORKER", "WRONG_VALUE"],
}
#: Targets the issue sets a figure for: under 1 s, or under 10 s for bytecode windows.
GOALS = {"race_lost_update": 10.0, "race_lock_order": 10.0}
SHUTDOWN_GOAL = 1.0


def _expected(path: Path) -> list[str]:
    """The module's ``EXPECTED = frozenset({...})`` read from its source, not imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "EXPECTED":
            if isinstance(value, ast.Call):  # frozenset({...}) or frozenset()
                if not value.args:
                    return []
                value = value.args[0]
            return sorted(ast.literal_eval(value))
    return []


def targets(zoo: Path = ZOO) -> list[tuple[str, str, list[str]]]:
    """(label, target, expected categories) for every broken target, tutorial first."""
    found = [(name, name, cats) for name, cats in TUTORIAL.items()]
    if zoo.is_dir():
        for path in sorted(zoo.glob("*.py")):
            if path.stem.startswith(("broken_", "race_")):
                module = ".".join((*zoo.parts, path.stem))
                found.append((path.stem, f"{module}:pipeline", _expected(path)))
    return found


def run_one(
    target: str,
    seed: int,
    budget: float,
    trial_timeout: float,
    *,
    mode: str = "threads",
    replays: int = 0,
) -> dict[str, Any]:
    """One search of ``target``: time to its first defect, or a miss; ``replays`` runs of
    the found trial (its exact schedule when scheduled) count how often it shows again."""
    spec = parse_target(target)
    executor = EXECUTORS[mode]
    result = search(
        spec,
        seed=seed,
        budget=budget,
        trial_timeout=trial_timeout,
        options=SearchOptions(),
        executor=executor,
    )
    defect = result.defect
    row: dict[str, Any] = {
        "seed": seed,
        "found": defect is not None,
        "seconds": round(result.elapsed, 3),
        "trials": result.trials,
        "category": None,
        "strategy": None,
        "k": None,
    }
    if defect is not None:
        config = defect.config.to_json()
        row.update(
            category=defect.category,
            strategy=str(config.get("strategy", "timing")),
            k=config["k"],
            # a HANG told before the trial timeout: the watchdog proved a deadlock
            proven=defect.category == "HANG" and defect.duration < trial_timeout,
        )
        again = defect.exact_config or defect.config
        shown = 0
        for _ in range(replays):
            try:
                rerun = run_trial(spec, again, trial_timeout=trial_timeout, executor=executor)
            except (UsageError, InternalError):
                continue
            shown += rerun.category == defect.category
        row.update(replays=replays, reproduced=shown)
    row.update(fallback=result.uncontrolled > 0)
    return row


def summarise(label: str, expected: list[str], runs: list[dict[str, Any]]) -> dict[str, Any]:
    times = [r["seconds"] for r in runs if r["found"]]
    hangs = [r for r in runs if r["found"] and r["category"] == "HANG"]
    categories = sorted({r["category"] for r in runs if r["found"]})
    strategies = sorted({r["strategy"] for r in runs if r["found"]})
    goal = GOALS.get(label, SHUTDOWN_GOAL if label in TUTORIAL else None)
    return {
        "target": label,
        "expected": expected,
        "runs": len(runs),
        "found": len(times),
        "median_s": round(statistics.median(times), 3) if times else None,
        "min_s": round(min(times), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "hangs": len(hangs),
        "hangs_proven": sum(bool(r.get("proven")) for r in hangs),
        "categories": categories,
        "unexpected": [c for c in categories if expected and c not in expected],
        "strategies": strategies,
        "median_trials": statistics.median(r["trials"] for r in runs) if runs else 0,
        "replays": sum(r.get("replays", 0) for r in runs),
        "reproduced": sum(r.get("reproduced", 0) for r in runs),
        "fallbacks": sum(bool(r.get("fallback")) for r in runs),
        "goal_s": goal,
    }


def _proven(row: dict[str, Any]) -> str:
    return f"{row['hangs_proven']}/{row['hangs']}" if row.get("hangs") else "-"


def _replay(row: dict[str, Any]) -> str:
    return f"{row['reproduced']}/{row['replays']}" if row.get("replays") else "-"


def render(summaries: dict[str, list[dict[str, Any]]], meta: dict[str, Any]) -> str:
    """The table: one row per target, each mode's columns side by side."""

    def sec(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    modes = list(summaries)
    lines = [
        "# Detection benchmark: time to the first defect",
        "",
        f"Command: `{meta['command']}`. Generated {meta['generated']} on Python "
        f"{meta['python']} ({meta['machine']}, {meta['cpus']} CPUs, load average "
        f"{meta['load_average'][0]} at the end, shared with other work); preemption mechanism "
        f"`{meta['mechanism']}`; modes: {', '.join(f'`{m}`' for m in modes)}.",
        f"Each target: {meta['seeds']} seeds ({meta['seed_list']}) per mode, a budget of "
        f"{meta['budget']:g} s per search, trial timeout {meta['trial_timeout']:g} s, default "
        "options (faults and awkward values on). Times are the search's elapsed seconds "
        "until it stopped at a defect (shrinking not included); a miss is a search that "
        "spent its whole budget. *replay* counts how often the found trial showed the same "
        f"category again in {meta['replays']} re-runs per find: the same configuration on "
        "real threads, the recorded schedule (its decisions) under the scheduler. "
        "On real threads a HANG is reported at once when the watchdog proves a deadlock "
        "(*proven*), else after the trial timeout and a confirmation; under the scheduler "
        "a deadlock is a HANG the moment every thread waits.",
        "",
    ]
    header = "| target |"
    rule = "|---|"
    for mode in modes:
        header += f" {mode}: found | median s | max s | replay | proven | categories |"
        rule += "---|---|---|---|---|---|"
    lines += [header + " goal s |", rule + "---|"]
    by_mode = {mode: {row["target"]: row for row in rows} for mode, rows in summaries.items()}
    for label in [row["target"] for row in summaries[modes[0]]]:
        line = f"| {label} |"
        goal = None
        for mode in modes:
            row = by_mode[mode][label]
            goal = row["goal_s"]
            cats = ", ".join(row["categories"]) or "-"
            if row["unexpected"]:
                cats += " (not in EXPECTED)"
            if row.get("fallbacks"):
                cats += f" (fell back to threads in {row['fallbacks']})"
            line += (
                f" {row['found']}/{row['runs']} | {sec(row['median_s'])} | {sec(row['max_s'])}"
                f" | {_replay(row)} | {_proven(row)} | {cats} |"
            )
        lines.append(line + f" {sec(goal)} |")
    for mode in modes:
        rows = summaries[mode]
        found = sum(r["found"] for r in rows)
        runs = sum(r["runs"] for r in rows)
        times = [r["median_s"] for r in rows if r["median_s"] is not None]
        replays = sum(r["replays"] for r in rows)
        lines.append(
            f"\n`{mode}`: found in {found} of {runs} searches; median of the targets' "
            f"medians {statistics.median(times) if times else 0:.2f} s; replays showed the "
            f"same category in {sum(r['reproduced'] for r in rows)} of {replays}."
        )
    lines += [
        "",
        "Goals from the issue: under 1 s for shutdown races and wrong-size deadlocks (the "
        "tutorial rows), under 10 s for a lost update or a lock-order window a few bytecodes "
        "wide (`race_*`). A category outside a zoo module's `EXPECTED` is a real defect "
        "of that pipeline too (most swallow injected errors as well); the contract lets "
        "a search name any defect it finds. A search can be re-run alone with "
        "`python -m stress run TARGET --seed S [--mode scheduled]` (it then also shrinks "
        "what it finds).",
        "",
    ]
    return "\n".join(lines)


def atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    """Write through a temporary file in the same folder, then ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 10 s budgets")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seeds", type=int, default=None, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--budget", type=float, default=None, help="seconds per search")
    parser.add_argument("--trial-timeout", type=float, default=2.0)
    parser.add_argument("--targets", default=None, help="comma-separated labels to run")
    parser.add_argument(
        "--mode",
        choices=(*EXECUTORS, "both", "all"),
        default="all",
        help="both: threads and scheduled; all: those and auto",
    )
    parser.add_argument("--replays", type=int, default=5, help="re-runs of each found trial")
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    seeds = args.seeds if args.seeds is not None else 2 if args.quick else 5
    budget = args.budget if args.budget is not None else 10.0 if args.quick else 30.0
    if seeds < 1 or budget <= 0 or args.trial_timeout <= 0 or args.replays < 0:
        print(
            "stress bench detection: --seeds, --budget and --trial-timeout must be > 0",
            file=sys.stderr,
        )
        return 2
    chosen = targets()
    if args.targets:
        wanted = set(args.targets.split(","))
        unknown = wanted - {label for label, _, _ in chosen}
        if unknown:
            print(f"stress bench detection: unknown targets {sorted(unknown)}", file=sys.stderr)
            return 2
        chosen = [t for t in chosen if t[0] in wanted]
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        probe = args.out / ".write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        print(f"stress bench detection: cannot write to {args.out}: {error}", file=sys.stderr)
        return 2
    modes = {"both": ["threads", "scheduled"], "all": list(EXECUTORS)}.get(args.mode, [args.mode])
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {mode: {} for mode in modes}
    summaries: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    try:
        for label, target, expected in chosen:
            for mode in modes:
                rows = runs[mode][label] = []
                for seed in range(seeds):
                    row = run_one(
                        target, seed, budget, args.trial_timeout, mode=mode, replays=args.replays
                    )
                    rows.append(row)
                    said = (
                        f"{row['category']} in {row['seconds']:.2f} s" if row["found"] else "missed"
                    )
                    print(f"{label} {mode} seed={seed}: {said}", file=sys.stderr, flush=True)
                summaries[mode].append(summarise(label, expected, rows))
    except (UsageError, InternalError) as error:
        print(f"stress bench detection: {error}".splitlines()[0], file=sys.stderr)
        return 2
    meta = {
        "command": " ".join([COMMAND, *argv]),  # as run: its table says what it measured
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "mechanism": MECHANISM,
        "modes": modes,
        "replays": args.replays,
        "seeds": seeds,
        "seed_list": f"0..{seeds - 1}",
        "budget": budget,
        "trial_timeout": args.trial_timeout,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    document = {"meta": meta, "summary": summaries, "runs": runs}
    atomic_write(args.out / "results.json", lambda h: json.dump(document, h, indent=1))
    atomic_write(args.out / "results.md", lambda h: h.write(render(summaries, meta)))
    print(f"wrote {args.out / 'results.md'}")
    return 0
