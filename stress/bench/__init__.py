"""``python -m stress bench NAME``: benchmarks, each writing only ``reports/bench/NAME/``.

A benchmark is a module with ``main(argv) -> int``; add it to :data:`BENCHMARKS`.
Exit statuses: 0 when the results are written, 2 on bad use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

#: benchmark name -> module whose ``main(argv) -> int`` runs it
BENCHMARKS: dict[str, str] = {
    "detection": "stress.bench.detection",
    "modes": "stress.bench.modes",
    "pipelines": "stress.bench.pipelines",
    "shards": "stress.bench.shards",
}

USAGE = "usage: python -m stress bench {" + ",".join(sorted(BENCHMARKS)) + "} [--quick] [--out DIR]"


def main(argv: Sequence[str]) -> int:
    """Run benchmark ``argv[0]`` with the remaining arguments."""
    args = list(argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE, file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    module_name = BENCHMARKS.get(args[0])
    if module_name is None:
        print(f"stress bench: unknown benchmark {args[0]!r}; {USAGE}", file=sys.stderr)
        return 2
    run: Callable[[list[str]], int] = importlib.import_module(module_name).main
    return run(args[1:])
