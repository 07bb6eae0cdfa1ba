"""Several interpreters' campaigns side by side: loss and hang rates with their intervals.

Records from ``compare --python A --python B`` carry ``interpreter`` (``3.11.7``,
``3.14.7t``...).  For each variant and condition this puts, per interpreter, the share
of trials that lost results and the share that hung, each with its 95 % Wilson
interval (:mod:`stress.compare.stats`), and the plain-values sweep's loss rate per
width, so a reader sees what running without the GIL changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from stress.compare.records import CONDITIONS, Record
from stress.compare.stats import rate_text


def interpreters(records: Sequence[Record]) -> list[str]:
    """The interpreters the records came from, in the order they were run."""
    seen: dict[str, None] = {}
    for record in records:
        if record.get("type") == "env" and record.get("interpreter"):
            seen.setdefault(str(record["interpreter"]), None)
    return list(seen)


def _header(labels: list[str], first: str) -> list[str]:
    return [
        f"| {first} | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]


def side_by_side(records: Sequence[Record], variants: Sequence[str]) -> list[str]:
    """Markdown lines for the section (empty with fewer than two interpreters)."""
    labels = interpreters(records)
    if len(labels) < 2:
        return []
    cells: defaultdict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for record in records:
        if record.get("type") == "trial":
            key = (record["variant"], record["condition"], record.get("interpreter", ""))
            cells[key].append(record)
    lines = [
        "## Interpreters side by side",
        "",
        "Each cell: the share of trials that **lost** results and the share that **hung**, "
        "each with its 95 % Wilson interval in brackets, and the trials run. Same seed, "
        "same trials, on each interpreter (`t`: the free-threaded build, no GIL).",
        "",
        *_header(labels, "variant, condition"),
    ]
    for variant in variants:
        for condition in CONDITIONS:
            row = []
            for label in labels:
                trials = cells[variant, condition, label]
                lost = sum(1 for t in trials if t["category"] == "LOST")
                hung = sum(1 for t in trials if t["category"] == "HANG")
                row.append(
                    f"lost {rate_text(lost, len(trials))}, hung {rate_text(hung, len(trials))}"
                    f" ({len(trials)})"
                    if trials
                    else "not run"
                )
            if any(cell != "not run" for cell in row):
                lines.append(f"| `{variant}` {condition} | " + " | ".join(row) + " |")
    sweeps: defaultdict[tuple[str, int], dict[str, Record]] = defaultdict(dict)
    for record in records:
        if record.get("type") == "sweep":
            sweeps[record["variant"], record["workers"]][record.get("interpreter", "")] = record
    if sweeps:
        lines += [
            "",
            "Plain-values sweep, 2 stages: the share of trials that lost results, by workers "
            "per stage.",
            "",
            *_header(labels, "variant, workers/stage"),
        ]
        for (variant, workers), by_label in sorted(sweeps.items()):
            row = []
            for label in labels:
                sweep = by_label.get(label)
                row.append(
                    f"{rate_text(sweep['losses'], sweep['trials'])} ({sweep['trials']})"
                    if sweep
                    else "not run"
                )
            lines.append(f"| `{variant}` {workers} | " + " | ".join(row) + " |")
    lines.append("")
    return lines
