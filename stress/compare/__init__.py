"""``python -m stress compare``: every variant through one campaign, then the report.

    python -m stress compare [--quick] [--variants NAME ...] [--seed S] [--out DIR]
                             [--python PATH ...]

Writes ``DIR/REPORT.md``, ``DIR/records.jsonl`` and ``DIR/*.png`` (default DIR:
``reports/``), each replaced atomically (a temporary file, then ``os.replace``), and
touches nothing else there (the benchmarks own ``reports/bench/``).  Exit 0 when a
report is written, whatever it says; 130 after Ctrl-C with a report marked partial; 2 on
bad use, with one line on stderr.  ``--python PATH`` (repeatable) runs the same
campaign on each interpreter named, one after the other, and the report puts their
verdicts side by side (:mod:`stress.compare.interpreters`); without it, the current
interpreter runs it, as always.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from reference import VARIANTS
from stress.compare import interpreters
from stress.compare.campaign import Campaign
from stress.compare.records import Record, dump
from stress.compare.render import render

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130
DEFAULT_OUT = Path("reports")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"stress compare: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m stress compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small campaign (CI: < 1 min)")
    parser.add_argument("--variants", nargs="+", metavar="NAME", help="default: every variant")
    parser.add_argument("--seed", type=int, default=None, help="default: random, recorded")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: reports/")
    parser.add_argument(
        "--python",
        action="append",
        metavar="PATH",
        help="run the campaign on this interpreter (repeatable; side by side in the report)",
    )
    return parser


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a reader sees the old file or the new, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(out: Path, records: Sequence[Record]) -> None:
    """Render ``records`` and replace the report files in ``out``."""
    report = render(records)
    for name, image in sorted(report.plots.items()):
        write_atomically(out / name, image)
    write_atomically(out / "records.jsonl", dump(records).encode())
    write_atomically(out / "REPORT.md", report.markdown.encode())


def _check_out(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create --out {out}: {error.strerror}"
    if not os.access(out, os.W_OK):
        return f"--out {out} is not writable"
    return None


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a bad option (2, one line already printed)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    names = args.variants or list(VARIANTS)
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        print(
            f"stress compare: unknown variant {unknown[0]!r}; known: {', '.join(VARIANTS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if (problem := _check_out(args.out)) is not None:
        print(f"stress compare: {problem}", file=sys.stderr)
        return EXIT_USAGE
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    if args.python:
        return _on_interpreters(args, seed)
    campaign = Campaign(names, seed=seed, quick=args.quick)
    try:
        campaign.run()
    except KeyboardInterrupt:
        campaign.mark_partial()
        write_report(args.out, campaign.records)
        print(
            f"stress compare: interrupted; partial report in {args.out / 'REPORT.md'}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    write_report(args.out, campaign.records)
    print(f"report written: {args.out / 'REPORT.md'}")
    return EXIT_OK


def _on_interpreters(args: argparse.Namespace, seed: int) -> int:
    """``--python``: every interpreter's campaign, then one report side by side."""
    try:
        for path in args.python:
            interpreters.probe(path)
        records: list[Record] = []
        interrupted = False
        labels: set[str] = set()
        for path in args.python:
            mine, stopped = interpreters.run_campaign(
                path, seed=seed, quick=args.quick, variants=args.variants, taken=labels
            )
            records += mine
            if stopped:
                interrupted = True
                break
    except interpreters.InterpreterError as error:
        print(f"stress compare: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        for record in records:
            if record.get("type") == "env":
                record["partial"] = True
    if not records:
        print("stress compare: interrupted before any record was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_report(args.out, records)
    if interrupted:
        print(
            f"stress compare: interrupted; partial report in {args.out / 'REPORT.md'}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"report written: {args.out / 'REPORT.md'}")
    return EXIT_OK
