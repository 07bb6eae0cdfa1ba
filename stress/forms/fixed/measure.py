"""Which synchronisation points pay: detection rate of a fixed pipeline, point by point.

``python -m stress.forms.fixed.measure MODULE:ATTR [--trials N] [--seed S]`` runs the same
N trials (items and seeds from (seed, k)) of a fixed pipeline with no patch under each
pressure setting -- none, each point alone, all points -- and prints, per setting, how
many trials showed a defect (fewer results than items, a raise, or no answer within
the timeout) and the mean cost of a trial.  Each trial runs in a forked child with its
own process group, killed at the timeout, so a hanging pipeline costs only the timeout.

Invariant: the settings differ only in which points are on; the items, the switch
interval (Python's default) and everything else are the same for every setting.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import select
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from stress.core import forking
from stress.forms.fixed import pressure
from stress.forms.fixed.items import default_items


def _child(target: str, setting: pressure.Pressure | None, items: list[int], fd: int) -> None:
    code = 3
    try:
        if setting is not None:
            pressure.install(setting)
        module, _, attr = target.partition(":")
        func: Any = importlib.import_module(module)
        for part in attr.split("."):
            func = getattr(func, part)
        with pressure.active():
            try:
                out = func(list(items))
                got = 0 if out is None else sum(1 for _ in out)
                code = 0 if got >= len(items) else 1
            except Exception:
                code = 2
        os.write(fd, bytes([code]))
    finally:
        os._exit(0)


def run_one(
    target: str, setting: pressure.Pressure | None, items: list[int], timeout: float
) -> str:
    """``ok``, ``lost``, ``raised`` or ``hang`` for one trial in a forked child."""
    read, write = os.pipe()
    pid = forking.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read)
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        _child(target, setting, items, write)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        data = os.read(read, 1) if ready else b""
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
    if not data:
        return "hang"
    return {0: "ok", 1: "lost", 2: "raised"}.get(data[0], "hang")


def settings(seed: int, k: int, rate: float, share: float, max_us: float) -> dict[str, Any]:
    out: dict[str, Any] = {"none": None}
    for point in (*pressure.POINTS, "all"):
        points = pressure.POINTS if point == "all" else (point,)
        out[point] = pressure.Pressure(seed, k, points, rate, share, max_us)
    return out


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m stress.forms.fixed.measure")
    parser.add_argument("target")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--yield-share", type=float, default=0.5)
    parser.add_argument("--max-us", type=float, default=200.0)
    parser.add_argument("--max-items", type=int, default=40)
    parser.add_argument("--only", default="", help="comma-separated settings to run")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    names = list(settings(0, 0, args.rate, args.yield_share, args.max_us))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    print(
        f"{args.target}: {args.trials} trials, rate={args.rate} "
        f"yield_share={args.yield_share} max_us={args.max_us}"
    )
    for name in names:
        found: dict[str, int] = {}
        first = None
        started = time.monotonic()
        for k in range(args.trials):
            count = 1 + (k * 7919 + args.seed) % args.max_items
            items = default_items(args.seed, k, count)
            setting = settings(args.seed, k, args.rate, args.yield_share, args.max_us)[name]
            outcome = run_one(args.target, setting, items, args.timeout)
            if outcome != "ok":
                found[outcome] = found.get(outcome, 0) + 1
                first = k if first is None else first
        cost = (time.monotonic() - started) / args.trials * 1000
        detail = ", ".join(f"{n} {c}" for n, c in sorted(found.items())) or "-"
        print(
            f"  {name:13s} detected {sum(found.values()):4d}/{args.trials} "
            f"(first at k={first}) [{detail}] {cost:6.1f} ms/trial",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
