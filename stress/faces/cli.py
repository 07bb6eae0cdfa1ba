"""The command line: ``python -m stress {run,compare,bench} ...``.

Each subcommand lives in its own module and is imported only when chosen, so a
broken or slow optional part never stands in the way of another.  Exit statuses
(CONTRACT.md section 3): 0 no defect, 1 defect, 2 usage error (one line on stderr),
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from stress.core.version import package_version

EXIT_OK, EXIT_DEFECT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

#: subcommand -> module whose ``main(argv) -> int`` runs it
SUBCOMMANDS: dict[str, str] = {
    "run": "stress.faces.run_command",
    "compare": "stress.compare",
    "bench": "stress.bench",
}

USAGE = "usage: python -m stress {run,compare,bench} ... (--help on each; --version)"


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand; never lets a traceback reach the user."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE, file=sys.stdout if args else sys.stderr)
        return EXIT_OK if args else EXIT_USAGE
    if args[0] == "--version":
        print(f"stress {package_version()}")
        return EXIT_OK
    module_name = SUBCOMMANDS.get(args[0])
    if module_name is None:
        print(f"stress: unknown command {args[0]!r}; {USAGE}", file=sys.stderr)
        return EXIT_USAGE
    try:
        run: Callable[[list[str]], int] = importlib.import_module(module_name).main
        return run(args[1:])
    except KeyboardInterrupt:
        print("stress: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # the harness's own bug: one line, status 3
        print(f"stress: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
