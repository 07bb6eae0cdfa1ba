"""``python -m stress run TARGET [options]`` (CONTRACT.md section 3).

Invariants: standard output holds the verdict only (``DEFECT ...`` and its lines,
``PASS ...``, or ``INTERRUPTED ...`` after Ctrl-C); progress goes to stderr and only
on a terminal; every usage problem is one line on stderr with status 2, never a
traceback; a failure of the harness itself is one line with status 3.
Statuses: 0 no defect, 1 defect, 2 usage, 3 internal, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from stress.core.config import DEFAULT_MAX_ITEMS
from stress.core.errors import InternalError, UsageError
from stress.core.version import package_version
from stress.faces.api import (
    DEFAULT_BUDGET,
    DEFAULT_TRIAL_TIMEOUT,
    MODES,
    campaign,
    make_options,
    validate_mode,
    validate_numbers,
)
from stress.faces.report import check_writable, json_document, parse_token, write_json
from stress.forms.fixed.form import make_fixed
from stress.forms.targets import parse_target
from stress.search.engine import Progress

EXIT_OK, EXIT_DEFECT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, not {text!r}")
    return value


def _count(minimum: int) -> type[int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an int: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, not {value}")
        return value

    parse.__name__ = "int"
    return parse  # type: ignore[return-value]


def _widths(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",")]
    try:
        widths = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected widths like 5,5 (ints >= 1), not {text!r}"
        ) from None
    if not widths or any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"every width must be >= 1, not {text!r}")
    return widths


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m stress run",
        description="Stress a pipeline target: lost, duplicated or wrong results, hangs, "
        "leaked workers, swallowed errors.",
    )
    parser.add_argument("target", help="a reference variant name, or module:attribute")
    parser.add_argument(
        "--budget",
        type=_seconds,
        default=DEFAULT_BUDGET,
        help="wall-clock seconds to search (default 30)",
    )
    parser.add_argument(
        "--trial-timeout",
        type=_seconds,
        default=DEFAULT_TRIAL_TIMEOUT,
        help="seconds before a trial is suspected of hanging (default 2)",
    )
    parser.add_argument(
        "--seed", type=_count(0), default=None, help="seed of the search (default: random, printed)"
    )
    parser.add_argument("--replay", metavar="TOKEN_OR_PATH", help="re-run the trial a report names")
    parser.add_argument("--stages", type=_count(1), help="pin the number of stages")
    parser.add_argument(
        "--workers", type=_widths, help="pin widths, e.g. 5,5 (one value: every stage)"
    )
    parser.add_argument(
        "--max-items",
        type=_count(0),
        default=DEFAULT_MAX_ITEMS,
        help=f"most items in a trial (default {DEFAULT_MAX_ITEMS})",
    )
    parser.add_argument("--no-faults", action="store_true", help="do not inject stage exceptions")
    parser.add_argument(
        "--no-awkward",
        action="store_true",
        help="do not use awkward values (None, 0, False, '', lists ...)",
    )
    parser.add_argument(
        "--mode",
        default="auto",
        choices=MODES,
        help="auto (= threads for now), threads, scheduled (not yet)",
    )
    fixed = parser.add_argument_group("a fixed pipeline, pipeline(items) (README: Test your own)")
    fixed.add_argument(
        "--fixed",
        action="store_true",
        default=None,
        help="the target is pipeline(items) (assumed when it takes exactly one argument)",
    )
    fixed.add_argument("--items", metavar="MODULE:ATTR", help="a hypothesis strategy for one item")
    fixed.add_argument(
        "--expect", metavar="MODULE:ATTR", help="a function from one item to its result"
    )
    fixed.add_argument(
        "--patch",
        metavar="MODULE:ATTR",
        action="append",
        default=[],
        help="a stage function to wrap inside trials (repeatable; ATTR may be Class.method)",
    )
    parser.add_argument("--json", metavar="PATH", help="write the full result as JSON")
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    return parser


class _PrintVersion(argparse.Action):
    """``--version``: reads the installed version only when asked (not at every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"stress {package_version()}")  # on stdout, as argparse's own action
        parser.exit()


def main(argv: Sequence[str]) -> int:
    """Run the command; returns the exit status.  Never lets a traceback out."""
    try:
        return _run(list(argv))
    except UsageError as error:
        print(f"stress run: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InternalError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"stress run: internal error: {first}", file=sys.stderr)
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version
        return int(stop.code or 0)
    executor = validate_mode(args.mode)
    validate_numbers(budget=args.budget, trial_timeout=args.trial_timeout, seed=args.seed)
    options = make_options(
        stages=args.stages,
        workers=args.workers,
        max_items=args.max_items,
        faults=not args.no_faults,
        awkward=not args.no_awkward,
    )
    if args.json:
        check_writable(args.json)
    spec = make_fixed(
        parse_target(args.target),
        fixed=args.fixed,
        expect=args.expect,
        patch=args.patch,
        items=args.items,
        options=options,
    )
    replay = parse_token(args.replay) if args.replay is not None else None
    progress = Progress(args.budget)
    try:
        done = campaign(
            spec,
            budget=args.budget,
            seed=args.seed,
            trial_timeout=args.trial_timeout,
            options=options,
            replay=replay,
            on_trial=progress,
            executor=executor,
        )
    finally:
        progress.close()
    result = done.result
    if result.interrupted:
        verdict = "INTERRUPTED"
        text = (
            f"INTERRUPTED trials={result.trials} configurations={result.configurations} "
            f"seed={result.seed} skipped={result.skipped}"
        )
        status = EXIT_INTERRUPTED
    elif result.defect is not None:
        verdict, text, status = "DEFECT", done.text, EXIT_DEFECT
    else:
        verdict, text, status = "PASS", done.text, EXIT_OK
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head -1`: the reader has gone; that is not our error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if args.json:
        document = json_document(
            target=args.target,
            verdict=verdict,
            seed=result.seed,
            trials=result.trials,
            configurations=result.configurations,
            skipped=result.skipped,
            elapsed=result.elapsed,
            budget=args.budget,
            trial_timeout=args.trial_timeout,
            options={
                "stages": args.stages,
                "workers": list(args.workers) if args.workers else None,
                "max_items": args.max_items,
                "faults": not args.no_faults,
                "awkward": not args.no_awkward,
                "mode": args.mode,
                "fixed": spec.form.describe(),
            },
            record=result.defect,
            replay=done.replay,
            harness_version=package_version(),
            reproduction=done.reproduction(replayed=replay is not None),
        )
        try:
            write_json(args.json, document)
        except OSError as error:
            print(f"stress run: --json {args.json}: {error.strerror or error}", file=sys.stderr)
            return EXIT_USAGE
    return status
