"""The tutorial's demo for any variant: ``python -m reference <variant> [--scale S]``.

20 items pass through 2 stages of 5 workers; each step sleeps a random fraction of
``--scale`` seconds (the tutorial sleeps up to 1 s; the default here is 0.05) and says
what it did.  The last lines tell how many of the 20 results reached the caller and how
many workers were still running when the caller's read loop ended.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from reference import VARIANTS


class _BusyCount:
    """How many workers are inside a step right now; exact under its lock."""

    def __init__(self) -> None:
        self._busy, self._lock = 0, threading.Lock()

    def change(self, delta: int) -> None:
        with self._lock:
            self._busy += delta

    def now(self) -> int:
        with self._lock:
            return self._busy


def _say(line: str) -> None:
    """Print ``line`` in one write: ``print`` writes the text and its newline apart, so
    another thread's line could land between them ("Main got 3> Task1 got 0, ...")."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def _simulated_step(
    label: str, rng: random.Random, scale: float, busy: _BusyCount
) -> Callable[[Any], Any]:
    lock = threading.Lock()

    def step(data: Any) -> Any:
        busy.change(+1)
        with lock:  # one private RNG shared by a stage's workers
            pause = rng.random() * scale
        value = f"{data}>{label}"
        time.sleep(pause)  # noqa: TID251 -- the demo's simulated work, as in the tutorial
        _say(f"{'> ' * int(label[-1])}{label} got {data!r}, produced {value!r}")
        busy.change(-1)
        return value

    return step


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--scale", type=float, default=0.05, help="max seconds of work a step")
    parser.add_argument("--seed", type=int, default=None, help="seed of the work times")
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args(argv)
    if args.scale < 0 or args.items < 0:
        parser.error("--scale and --items must be >= 0")
    rng = random.Random(args.seed)
    busy = _BusyCount()
    stages = [_simulated_step(f"Task{k}", rng, args.scale, busy) for k in (1, 2)]
    received = busy_at_last_result = 0
    for data in VARIANTS[args.variant](list(range(args.items)), stages, [5, 5]):
        received += 1
        busy_at_last_result = busy.now()
        _say(f"Main got {data!r}")
    _say("Main all done")
    _say(f"{received} of {args.items} results reached the caller")
    _say(f"{busy_at_last_result} workers were still working when the caller read its last result")
    return 0 if received == args.items else 1


if __name__ == "__main__":
    sys.exit(main())
