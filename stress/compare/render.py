"""Records to report: a pure function from campaign records to Markdown and PNG plots.

``render(records) -> Report``: the same records always give the same Markdown (plots are
drawn with matplotlib's Agg backend, so no display is needed).  Nothing here runs a
pipeline or touches the file system.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from matplotlib.figure import Figure

from stress.compare.records import CONDITION_TEXT, CONDITIONS, Record
from stress.compare.sidebyside import interpreters, side_by_side

PLOT_LOSS = "loss_vs_workers.png"
PLOT_THROUGHPUT = "throughput_vs_workers.png"
PLOT_FIRST_DEFECT = "time_to_first_defect.png"


@dataclass
class Report:
    """What :func:`render` makes: the Markdown text and the PNG plots by file name."""

    markdown: str
    plots: dict[str, bytes] = field(default_factory=dict)


def _of_type(records: Iterable[Record], kind: str) -> list[Record]:
    return [r for r in records if r.get("type") == kind]


def _variants(records: Sequence[Record]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        if "variant" in record:
            seen.setdefault(record["variant"], None)
    return list(seen)


def verdict_cell(trials: Sequence[Record]) -> str:
    """``pass (n)``, or the defect categories seen with their rates, most frequent first."""
    if not trials:
        return "not run"
    counts = Counter(t["category"] for t in trials if t["category"])
    if not counts:
        return f"pass ({len(trials)})"
    parts = [f"{cat} {100 * n / len(trials):.0f}%" for cat, n in counts.most_common()]
    return f"**{', '.join(parts)}** ({len(trials)})"


def _verdict_table(trials: list[Record], variants: list[str]) -> list[str]:
    by_cell: defaultdict[tuple[str, str], list[Record]] = defaultdict(list)
    for trial in trials:
        by_cell[trial["variant"], trial["condition"]].append(trial)
    lines = [
        "| variant | " + " | ".join(CONDITIONS) + " |",
        "|---|" + "---|" * len(CONDITIONS),
    ]
    for variant in variants:
        cells = [verdict_cell(by_cell[variant, c]) for c in CONDITIONS]
        lines.append(f"| `{variant}` | " + " | ".join(cells) + " |")
    return lines


def _detail_table(trials: list[Record], variants: list[str]) -> list[str]:
    lines = [
        "| variant | condition | trials | defect trials | mean lost / trial "
        "| first defect at trial | time to first defect (s) | max live workers at return |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant in variants:
        for condition in CONDITIONS:
            cell = sorted(
                (t for t in trials if t["variant"] == variant and t["condition"] == condition),
                key=lambda t: t["k"],
            )
            if not cell:
                continue
            defects = [t for t in cell if t["category"]]
            first = defects[0]["k"] if defects else None
            elapsed = (
                sum(t["duration_s"] for t in cell if t["k"] <= first) if first is not None else None
            )
            lines.append(
                f"| `{variant}` | {condition} | {len(cell)} | {len(defects)} "
                f"| {statistics.fmean(t['lost'] for t in cell):.2f} "
                f"| {'-' if first is None else first} "
                f"| {'-' if elapsed is None else f'{elapsed:.3f}'} "
                f"| {max(t['live_workers'] for t in cell)} |"
            )
    return lines


def _perf_tables(perf: list[Record], latency: list[Record]) -> list[str]:
    lines: list[str] = []
    for workload, title in (("identity", "identity work"), ("sleep", "1 ms sleep per stage")):
        rows = [p for p in perf if p["workload"] == workload]
        if not rows:
            continue
        lines += [
            f"### Throughput, {title}",
            "",
            "| variant | workers/stage | items | seconds | items/s | of ideal "
            "| last result to joined (ms) | peak threads |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in sorted(rows, key=lambda r: (r["variant"], r["workers"])):
            ideal = f"{100 * p['ideal_s'] / p['seconds']:.1f}%" if p.get("ideal_s") else "-"
            lines.append(
                f"| `{p['variant']}` | {p['workers']} | {p['items']} | {p['seconds']:.3f} "
                f"| {p['items_per_s']:,.0f} | {ideal} | {1000 * p['join_s']:.2f} "
                f"| {p['peak_threads'] if p.get('peak_threads') is not None else '-'} |"
            )
        lines.append("")
        if workload == "sleep":
            lines += [
                "Of ideal: the ideal makespan (items / workers + 1 stage calls, each as long",
                "as the run's own mean sleep, wake-up included) over the measured one.",
                "",
            ]
    if latency:
        lines += [
            "### From a stage error to the caller",
            "",
            "| variant | median seconds |",
            "|---|---|",
        ]
        lines += [f"| `{r['variant']}` | {r['seconds'] * 1000:.2f} ms |" for r in latency]
        lines.append("")
    return lines


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _plot_loss(sweep: list[Record]) -> bytes | None:
    if not sweep:
        return None
    figure = Figure(figsize=(6, 3.6))
    axes = figure.subplots()
    for variant in _variants(sweep):
        rows = sorted((r for r in sweep if r["variant"] == variant), key=lambda r: r["workers"])
        axes.plot(
            [r["workers"] for r in rows],
            [r["losses"] / r["trials"] for r in rows],
            marker="o",
            label=variant,
        )
    axes.set(xscale="log", xlabel="workers per stage (2 stages)", ylabel="P(results lost)")
    axes.set_ylim(-0.05, 1.05)
    axes.set_title("Loss rate vs. workers per stage, plain values")
    axes.legend(fontsize=8)
    return _png(figure)


def _plot_throughput(perf: list[Record]) -> bytes | None:
    rows = [p for p in perf if p["workload"] == "sleep"]
    if not rows:
        return None
    figure = Figure(figsize=(6, 3.6))
    axes = figure.subplots()
    for variant in _variants(rows):
        mine = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["workers"])
        axes.plot(
            [r["workers"] for r in mine],
            [r["items_per_s"] for r in mine],
            marker="o",
            label=variant,
        )
    axes.set(xscale="log", yscale="log", xlabel="workers per stage", ylabel="items/s")
    axes.set_title("Throughput, 1 ms sleep per stage")
    axes.legend(fontsize=8)
    return _png(figure)


def _plot_first_defect(trials: list[Record], variants: list[str]) -> bytes | None:
    bars: list[tuple[str, float]] = []
    for variant in variants:
        for condition in CONDITIONS:
            cell = sorted(
                (t for t in trials if t["variant"] == variant and t["condition"] == condition),
                key=lambda t: t["k"],
            )
            first = next((t["k"] for t in cell if t["category"]), None)
            if first is not None:
                bars.append(
                    (
                        f"{variant}\n{condition}",
                        sum(t["duration_s"] for t in cell if t["k"] <= first),
                    )
                )
    if not bars:
        return None
    figure = Figure(figsize=(7, 0.35 * len(bars) + 1))
    axes = figure.subplots()
    axes.barh([b[0] for b in bars], [b[1] for b in bars])
    axes.set(xlabel="seconds of trials until the first defect", xscale="log")
    axes.tick_params(axis="y", labelsize=7)
    axes.invert_yaxis()
    axes.set_title("Time to first defect")
    return _png(figure)


def render(records: Sequence[Record]) -> Report:
    """Build the report from ``records`` (see :mod:`stress.compare.records`).

    Records of several interpreters (``compare --python``): every section is the first
    interpreter's, and a section puts all of them side by side.
    """
    everything = list(records)
    labels = interpreters(everything)
    records = everything
    if len(labels) > 1:  # the first interpreter's records; all of them side by side
        records = [r for r in everything if r.get("interpreter") == labels[0]]
    env = next(iter(_of_type(records, "env")), {})
    trials, sweep = _of_type(records, "trial"), _of_type(records, "sweep")
    perf, latency = _of_type(records, "perf"), _of_type(records, "latency")
    variants = _variants(trials) or _variants(records)
    command = f"python -m stress compare{' --quick' if env.get('quick') else ''}"
    command += f" --seed {env.get('seed')}"
    where = f"Python {env.get('interpreter', env.get('python', '?'))}"
    if len(labels) > 1:
        command += " --python ..." * len(labels)
        where += f" (every section but the side-by-side one, which has {', '.join(labels)})"
    lines = ["# Thread-pool pipeline variants under stress", ""]
    if env.get("partial"):
        lines += ["> **Partial report**: the campaign was interrupted; cells show what ran.", ""]
    lines += [
        f"Generated by `{command}` on {where}, "
        f"{env.get('cpus', '?')} CPUs, {env.get('date', '?')}. "
        "The same seed gives the same campaign.",
        "",
        "## Verdicts",
        "",
        "Each cell: `pass (trials)`, or the defect categories found and the share of trials "
        "that showed each.",
        "",
        *_verdict_table(trials, variants),
        "",
        "Conditions: " + "; ".join(f"**{c}**: {CONDITION_TEXT[c]}" for c in CONDITIONS) + ".",
        "",
        *side_by_side(everything, variants),
        "## Per cell",
        "",
        *_detail_table(trials, variants),
        "",
    ]
    plots: dict[str, bytes] = {}
    for name, image in (
        (PLOT_LOSS, _plot_loss(sweep)),
        (PLOT_THROUGHPUT, _plot_throughput(perf)),
        (PLOT_FIRST_DEFECT, _plot_first_defect(trials, variants)),
    ):
        if image is not None:
            plots[name] = image
    if PLOT_LOSS in plots:
        lines += ["## Loss rate vs. workers", "", f"![loss rate]({PLOT_LOSS})", ""]
    if PLOT_FIRST_DEFECT in plots:
        lines += [
            "## Time to first defect",
            "",
            f"![time to first defect]({PLOT_FIRST_DEFECT})",
            "",
        ]
    if perf or latency:
        lines += ["## Performance (variants where they are correct)", ""]
        lines += _perf_tables(perf, latency)
    if PLOT_THROUGHPUT in plots:
        lines += [f"![throughput]({PLOT_THROUGHPUT})", ""]
    skipped = _of_type(records, "skipped")
    if skipped:
        lines += ["## Not measured", ""]
        lines += [f"- `{s['variant']}` {s['section']}: {s['reason']}" for s in skipped]
        lines.append("")
    return Report(markdown="\n".join(lines), plots=plots)
