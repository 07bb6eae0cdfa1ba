"""Schedules a second of the scheduled trial's core, in one process (no fork, no pipe).

What ``bench modes``' first row runs in each trial child, without the search around
it: ``countdown`` pinned to 2 stages x 2 workers and at most 4 items (its configs
drawn as the search draws them, seed 0), schedule ``j`` of config ``k`` as
:meth:`stress.trial.sched_child._Trial.search` draws it, every schedule judged.

    PYTHONPATH=. python reports/bench/sched_core.py [--schedules N] [--points sync]
        [--no-reuse] [--no-pin] [--dump FILE] [--profile]

It keeps to one CPU first, as a trial child does (``--no-pin``: every CPU).
``--dump`` writes each schedule's status and decisions (JSON) to compare two builds;
``--profile`` prints a cProfile of the controller thread and the target's threads.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import pstats
import random
import sys
from typing import Any

from stress.scheduled import _real, one_cpu, standins

if "--no-pin" not in sys.argv:
    one_cpu.pin()  # as a trial child does
standins.install()  # before the target is imported

from stress.bench.modes import SMALL  # noqa: E402
from stress.core.config import draw as draw_config  # noqa: E402
from stress.forms.targets import parse_target  # noqa: E402
from stress.scheduled.strategies import draw  # noqa: E402
from stress.trial import controlled, sched_child  # noqa: E402


def _trials(schedules: int) -> list[sched_child._Trial]:
    spec = parse_target("countdown")
    target = spec.resolve()
    trials = []
    for k in range(schedules // sched_child.SCHEDULES_PER_TRIAL + 1):
        config = controlled.under_the_scheduler(draw_config(0, k, SMALL))
        config = dataclasses.replace(config, spin=0.0)
        spec.form.before_import(config)
        first = spec.form.open_trial(config, target)
        trials.append(sched_child._Trial(spec, config, target, 2.0, first))
    return trials


def main() -> None:  # noqa: PLR0915
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--points", choices=["sync", "lines", "ops"], default=None)
    parser.add_argument("--no-reuse", action="store_true", help="a new OS thread per thread")
    parser.add_argument("--no-pin", action="store_true", help="let the process use every CPU")
    parser.add_argument("--dump", default=None)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.no_reuse:
        run = sched_child.run_controlled  # type: ignore[attr-defined]

        def fresh(*a: Any, **k: Any) -> Any:
            return run(*a, **{**k, "reuse_os_threads": False})

        setattr(sched_child, "run_controlled", fresh)  # noqa: B010
    profiles: list[cProfile.Profile] = []
    if args.profile:
        trampoline = standins._trampoline

        def profiled(*a: Any) -> None:
            profile = cProfile.Profile()
            profile.enable()
            try:
                trampoline(*a)
            finally:
                profile.disable()
                profiles.append(profile)

        standins._trampoline = profiled  # type: ignore[assignment]
    trials = _trials(args.schedules)
    per = sched_child.SCHEDULES_PER_TRIAL
    dumped: list[Any] = []
    seconds: dict[str, list[float]] = {}
    steps = decisions = 0
    main_profile = None
    if args.profile:
        main_profile = cProfile.Profile()
        main_profile.enable()
    started, cpu = _real.perf_counter(), os.times()
    for n in range(args.schedules):
        trial = trials[n // per]
        index = trial.config.k * per + n % per
        points = args.points or sched_child._points(
            random.Random(f"{trial.config.seed}:{index}:points")
        )
        strategy = draw(trial.config.seed, index, steps=100)
        begun = _real.perf_counter()
        trial.ends = _real.monotonic() + 6.0  # each schedule a whole trial's real time
        done = trial.run_one(strategy, points=points)
        seconds.setdefault(points, []).append(_real.perf_counter() - begun)
        if done.message is None or done.message.get("category") is not None:
            sys.exit(f"schedule {n}: {done.outcome.describe()} {done.message}")
        steps += done.outcome.steps
        decisions += len(done.outcome.decisions)
        dumped.append([points, done.outcome.status, done.outcome.decisions])
    total = _real.perf_counter() - started
    used = sum(os.times()[:2]) - sum(cpu[:2])
    if main_profile is not None:
        main_profile.disable()
    n = args.schedules
    print(
        f"{n} schedules in {total:.3f} s: {n / total:.0f}/s; per schedule "
        f"{steps / n:.0f} steps, {decisions / n:.0f} decisions; CPU {1e3 * used / n:.2f} ms each"
    )
    for points, times in sorted(seconds.items()):
        print(f"  {points}: {len(times)} schedules, mean {1e3 * sum(times) / len(times):.2f} ms")
    if args.dump:
        with open(args.dump, "w") as out:
            json.dump(dumped, out)
    if main_profile is not None:
        pstats.Stats(main_profile).sort_stats("tottime").print_stats(20)
        threads = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            threads.add(profile)
        threads.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
