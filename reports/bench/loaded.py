"""False alarms on a loaded machine: every correct zoo pipeline beside busy processes.

A CI runner shares its CPUs.  This runs a short search of each correct pipeline of
tests/zoo (the zoo test's options: faults and awkward values on, trial timeout 1 s)
in each mode asked for, while ``--busy`` processes spin on the machine's CPUs, and
writes a table: every search must PASS.  Misses of broken pipelines under load are
not this table's concern (tests/test_stress_zoo.py counts trials, not seconds).

    PYTHONPATH=. python reports/bench/loaded.py [--busy 2] [--budget 3] [--seeds 5]
        [--modes threads,auto] [--out reports/bench/loaded]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from stress.core.version import interpreter_label
from stress.trial.execution import FORKED_THREADS, TrialExecutor
from stress.trial.portfolio import PORTFOLIO
from tests.test_stress_zoo import CORRECT, _search

MODES: dict[str, TrialExecutor] = {"threads": FORKED_THREADS, "auto": PORTFOLIO}
_BUSY = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--busy", type=int, default=2, help="spinning processes beside")
    parser.add_argument("--budget", type=float, default=3.0)
    parser.add_argument("--seeds", default="5", help="comma-separated")
    parser.add_argument("--modes", default="threads,auto")
    parser.add_argument("--out", default="reports/bench/loaded")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    modes = args.modes.split(",")
    bound = len(CORRECT) * len(seeds) * len(modes) * (args.budget + 12.0) + 60.0
    busy = [
        subprocess.Popen([sys.executable, "-c", _BUSY.format(seconds=bound)])
        for _ in range(args.busy)
    ]
    rows, alarms, began = [], 0, time.monotonic()
    try:
        for name in CORRECT:
            cells = []
            for mode in modes:
                for seed in seeds:
                    result = _search(name, budget=args.budget, seed=seed, executor=MODES[mode])
                    if result.defect is None:
                        cells.append(f"PASS ({result.trials} trials, {result.slow} slow)")
                    else:
                        alarms += 1
                        cells.append(f"**{result.defect.category}**: {result.defect.summary}")
                    print(name, mode, seed, cells[-1], flush=True)
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        for process in busy:
            process.kill()
            process.wait(10)
    command = "python reports/bench/loaded.py " + " ".join(sys.argv[1:])
    build = interpreter_label()
    header = " | ".join(f"{mode} seed {seed}" for mode in modes for seed in seeds)
    text = [
        "# False alarms on a loaded machine",
        "",
        f"Command: `{command.strip()}`. Generated "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on Python {build} "
        f"({platform.machine()}, {os.cpu_count()} CPUs), {args.busy} busy processes "
        f"beside, budget {args.budget:g} s a search, {time.monotonic() - began:.0f} s in all.",
        "",
        f"False alarms: {alarms} of {len(rows) * len(modes) * len(seeds)} searches.",
        "",
        f"| pipeline | {header} |",
        "|---|" + "---|" * (len(modes) * len(seeds)),
        *rows,
        "",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results-{build}.md").write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
