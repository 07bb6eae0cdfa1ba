"""``python -m stress bench pipelines``: the project's designs against hand-written pipelines.

Every figure sits beside its baseline, measured in the same run: a minimal hand-written
pipeline (:func:`handwritten`, one feeder thread, ``workers[k]`` threads per stage, a
caller that reads exactly ``len(items)`` results, then stop markers) over
``SimpleQueue`` or ``queue.Queue``.  Throughput figures are medians over repeated
*paired* runs: each repetition runs the baseline and the design back to back (their
order alternating), and the ratio is taken within the pair, so a load change on the
shared machine hits both sides.  Results go to ``reports/bench/pipelines/`` (or
``--out``): ``results.md``, ``results.json`` and ``memory.png``, each replaced atomically.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import reference
from stress.core.version import gil_enabled, interpreter_label

DEFAULT_OUT = Path("reports") / "bench" / "pipelines"
COMMAND = "python -m stress bench pipelines"
BOUND = 16  # maxsize of the bounded runs (the 1-place case is reported too)
WIDTHS = [5, 5]
SLEEP = 0.001
#: The four design runs of the sleep benchmarks, as keyed in the results.
DESIGN_KEYS = ("countdown", "queue_shutdown", f"countdown_{BOUND}", f"queue_shutdown_{BOUND}")
BASELINE_LABELS = {
    "simple_queue": "SimpleQueue",
    "queue": "queue.Queue",
    f"queue_{BOUND}": f"queue.Queue({BOUND})",
}
#: The hand-written runs of the sleep benchmarks, and the one each design is closest to.
HANDWRITTEN = ("simple_queue", "queue", f"queue_{BOUND}")
MATCHING = dict(
    zip(DESIGN_KEYS, ("simple_queue", "queue", f"queue_{BOUND}", f"queue_{BOUND}"), strict=True)
)


@dataclass(frozen=True)
class Plan:
    """How much to measure: ``--quick`` is a smoke run of the same code."""

    identity_items: int
    identity_pairs: int
    sleep_items: int
    sleep_pairs: int
    wide_items: int
    wide_pairs: int
    error_runs: int
    source_wait: float
    memory_sizes: tuple[int, ...]
    cpu_items: int = 400
    cpu_repeats: int = 5


FULL = Plan(20_000, 15, 2_000, 15, 10_000, 5, 60, 1.0, (10_000, 100_000, 1_000_000))
QUICK = Plan(1_000, 2, 100, 2, 300, 2, 3, 0.05, (1_000, 3_000), cpu_items=16, cpu_repeats=1)
#: Workers per stage of the CPU-bound runs (2 stages): without a GIL, up to the cores.
CPU_WIDTHS = (1, 2, 4, 8)
#: Iterations of the CPU-bound stage's pure-Python loop (about 1 ms on 3.11 here).
CPU_WORK = 20_000


# -- the hand-written baselines -------------------------------------------------------------
_STOP = object()


def handwritten(
    make_queue: Callable[[], Any], items: Sequence[Any], stages: Sequence[Any], workers: list[int]
) -> int:
    """The minimal correct pipeline for a known item count; returns the results read."""
    queues = [make_queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        get, put, stage = queues[k].get, queues[k + 1].put, stages[k]
        for item in iter(get, _STOP):
            put(stage(item))

    def feed() -> None:
        put = queues[0].put
        for item in items:
            put(item)

    threads = [threading.Thread(target=feed)]
    threads += [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for thread in threads:
        thread.start()
    get = queues[-1].get
    for _ in range(len(items)):
        get()
    for k, width in enumerate(workers):
        for _ in range(width):
            queues[k].put(_STOP)
    for thread in threads:
        thread.join()
    return len(items)


def simple_queue_pipeline(items: Sequence[Any], stages: Sequence[Any], workers: list[int]) -> int:
    return handwritten(queue.SimpleQueue, items, stages, workers)


def queue_pipeline(maxsize: int) -> Callable[[Sequence[Any], Sequence[Any], list[int]], int]:
    def run(items: Sequence[Any], stages: Sequence[Any], workers: list[int]) -> int:
        return handwritten(lambda: queue.Queue(maxsize), items, stages, workers)

    return run


def design(name: str, maxsize: int) -> Callable[[Sequence[Any], Sequence[Any], list[int]], int]:
    """A project design as a counting run (results are read one by one, as they arrive)."""
    target = reference.make(name, maxsize=maxsize)

    def run(items: Sequence[Any], stages: Sequence[Any], workers: list[int]) -> int:
        count = 0
        for _ in target(items, stages, workers):
            count += 1
        return count

    return run


# -- work ----------------------------------------------------------------------------------
def identity(item: Any) -> Any:
    return item


#: How long each ``nap`` of the current run slept (list.append is atomic).
_NAPS: list[float] = []


def crunch(item: Any) -> Any:
    """CPU-bound stage work: a fixed pure-Python loop (holds the GIL where there is one)."""
    total = 0
    for i in range(CPU_WORK):
        total += i * i % 7
    return item if total >= 0 else None


def cpu_bound(plan: Plan) -> dict[str, dict[str, list[float]]]:
    """Seconds per run of ``cpu_items`` through 2 CPU-bound stages, per design and width."""
    out: dict[str, dict[str, list[float]]] = {}
    for name in reference.OWN:
        out[name] = {}
        for width in CPU_WIDTHS:
            run = design(name, 0)
            out[name][str(width)] = [
                timed(run, plan.cpu_items, [crunch, crunch], [width, width])
                for _ in range(plan.cpu_repeats)
            ]
    return out


def nap(item: Any) -> Any:
    start = time.perf_counter()
    time.sleep(SLEEP)  # noqa: TID251 -- simulated I/O work in the benchmark
    _NAPS.append(time.perf_counter() - start)
    return item


class BenchError(Exception):
    """What the failing stage raises."""


# -- measuring -----------------------------------------------------------------------------
Runner = Callable[[Sequence[Any], Sequence[Any], list[int]], int]


def timed(run: Runner, n: int, stages: Sequence[Any], workers: list[int]) -> float:
    """Seconds for one run of ``n`` items; checks that every result came back."""
    gc.collect()
    _NAPS.clear()
    start = time.perf_counter()
    count = run(range(n), stages, workers)
    elapsed = time.perf_counter() - start
    if count != n:
        raise RuntimeError(f"{count} results for {n} items")
    return elapsed


def paired(
    runners: dict[str, Runner],
    pairs: int,
    n: int,
    stages: Sequence[Any],
    workers: list[int],
    *,
    efficiency: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Each repetition runs every runner once, in rotating order; seconds per runner.

    With ``efficiency`` (sleep work), also each run's ideal makespan over its makespan:
    ideal = items x the run's own measured mean sleep / workers per stage.
    """
    names = list(runners)
    times: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(pairs):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = timed(runners[name], n, stages, workers)
            times[name].append(elapsed)
            if efficiency is not None:
                ideal = n * statistics.mean(_NAPS) / min(workers)
                efficiency.setdefault(name, []).append(ideal / elapsed)
    return times


def ratios(times: dict[str, list[float]], a: str, b: str) -> list[float]:
    return [x / y for x, y in zip(times[a], times[b], strict=True)]


def best_handwritten(times: dict[str, list[float]]) -> str:
    """The hand-written pipeline with the lowest median time: the baseline to pair with.

    Choosing per repetition (the fastest of three noisy runs each time) would compare a
    design with a minimum of noise, not with a pipeline, and favour the baseline by
    about one standard deviation of a run's time.
    """
    return min(HANDWRITTEN, key=lambda kind: statistics.median(times[kind]))


def error_latency(name: str, maxsize: int, runs: int) -> list[float]:
    """Seconds from a stage raising to the caller catching it (threads joined by then)."""
    target = reference.make(name, maxsize=maxsize)
    latencies: list[float] = []
    for _ in range(runs):
        raised_at: list[float] = []

        def failing(item: int, raised_at: list[float] = raised_at) -> int:
            if item == 500:
                raised_at.append(time.perf_counter())
                raise BenchError(item)
            return item

        gc.collect()
        try:
            for _ in target(range(2_000), [identity, failing], WIDTHS):
                pass
        except BenchError:
            latencies.append(time.perf_counter() - raised_at[0])
        else:
            raise RuntimeError(f"{name} returned normally after a stage failed")
    return latencies


def waiting_cpu(name: str | None, wait: float) -> float:
    """CPU seconds per wall second while the pipeline waits on a slow source.

    ``name=None`` is the baseline: the caller alone waiting as long, no pipeline.
    """
    gate = threading.Event()
    if name is None:
        cpu, wall = time.process_time(), time.perf_counter()
        gate.wait(wait)
        return (time.process_time() - cpu) / (time.perf_counter() - wall)

    def slow_source() -> Iterator[int]:
        yield 0
        gate.wait(wait)  # the next item takes ``wait`` seconds to come
        yield 1

    stream = reference.make(name)(slow_source(), [identity, identity], WIDTHS)
    next(stream)  # from here every thread waits for the source
    cpu, wall = time.process_time(), time.perf_counter()
    rest = list(stream)
    used = (time.process_time() - cpu) / (time.perf_counter() - wall)
    if rest != [1]:
        raise RuntimeError(f"{name}: {rest!r}")
    return used


def memory_peak(name: str | None, n: int) -> int:
    """Peak traced bytes for ``n`` items from a generator through a bounded run.

    ``name=None`` is the baseline: the same items held in a list.
    """
    gc.collect()
    tracemalloc.start()
    try:
        if name is None:
            held = list(range(n))
            del held
        else:
            count = 0
            for _ in reference.make(name, maxsize=BOUND)(
                (i for i in range(n)), [identity, identity], WIDTHS
            ):
                count += 1
            if count != n:
                raise RuntimeError(f"{name}: {count} results for {n} items")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the run -------------------------------------------------------------------------------
def _progress(message: str) -> None:
    print(f"bench pipelines: {message}", file=sys.stderr, flush=True)


def measure(plan: Plan) -> dict[str, Any]:
    """Every measurement, raw, as one JSON-able dict."""
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    stages_id = [identity, identity]

    _progress(f"identity work, {plan.identity_items} items, 2 x 5, unbounded")
    results["identity_unbounded"] = paired(
        {
            "simple_queue": simple_queue_pipeline,
            "queue": queue_pipeline(0),
            "countdown": design("countdown", 0),
            "queue_shutdown": design("queue_shutdown", 0),
        },
        plan.identity_pairs,
        plan.identity_items,
        stages_id,
        WIDTHS,
    )
    for bound in (BOUND, 1):
        _progress(f"identity work, {plan.identity_items} items, 2 x 5, maxsize {bound}")
        results[f"identity_bounded_{bound}"] = paired(
            {
                "queue": queue_pipeline(bound),
                "countdown": design("countdown", bound),
                "queue_shutdown": design("queue_shutdown", bound),
            },
            plan.identity_pairs,
            plan.identity_items,
            stages_id,
            WIDTHS,
        )

    sleep_runners: dict[str, Runner] = {
        "simple_queue": simple_queue_pipeline,
        "queue": queue_pipeline(0),
        "countdown": design("countdown", 0),
        "queue_shutdown": design("queue_shutdown", 0),
        f"countdown_{BOUND}": design("countdown", BOUND),
        f"queue_shutdown_{BOUND}": design("queue_shutdown", BOUND),
        f"queue_{BOUND}": queue_pipeline(BOUND),
    }
    _progress(f"1 ms sleep per stage, {plan.sleep_items} items, 2 x 5")
    results["sleep_efficiency"] = {}
    results["sleep"] = paired(
        sleep_runners,
        plan.sleep_pairs,
        plan.sleep_items,
        [nap, nap],
        WIDTHS,
        efficiency=results["sleep_efficiency"],
    )
    _progress(f"1 ms sleep per stage, {plan.wide_items} items, 2 x 64")
    results["wide"] = paired(sleep_runners, plan.wide_pairs, plan.wide_items, [nap, nap], [64, 64])

    _progress("a stage raising: time until the caller sees it")
    results["error_latency"] = {
        f"{name}_{bound}": error_latency(name, bound, plan.error_runs)
        for name in reference.OWN
        for bound in (0, BOUND)
    }
    _progress("CPU while waiting on a slow source")
    results["waiting_cpu"] = {
        name or "caller_alone": waiting_cpu(name, plan.source_wait)
        for name in (None, *reference.OWN)
    }
    _progress(f"peak traced memory, maxsize {BOUND}, generator source: {plan.memory_sizes}")
    results["memory"] = {
        name or "list_of_items": {str(n): memory_peak(name, n) for n in plan.memory_sizes}
        for name in (None, *reference.OWN)
    }
    _progress(f"CPU-bound stages, {plan.cpu_items} items, 2 stages of {CPU_WIDTHS} workers")
    results["cpu_bound"] = cpu_bound(plan)
    results["load_after"] = os.getloadavg()
    return results


# -- the report ----------------------------------------------------------------------------
def _us_per_item(seconds: list[float], n: int) -> float:
    return statistics.median(seconds) / n * 1e6


def summarise(results: dict[str, Any], plan: Plan) -> list[dict[str, Any]]:
    """One row per figure: what, ours, its baseline, the ratio, the target, met or not."""
    rows: list[dict[str, Any]] = []

    def row(**fields: Any) -> None:
        rows.append({"ratio": None, "met": None, **fields})

    n = plan.identity_items
    unb = results["identity_unbounded"]
    for name, base, base_label, limit in (
        ("countdown", "simple_queue", "SimpleQueue pipeline", 2.0),
        ("queue_shutdown", "queue", "queue.Queue pipeline", None),
    ):
        r = statistics.median(ratios(unb, name, base))
        row(
            what=f"identity, {n:,} items, 2 x 5, unbounded: {name}",
            ours=f"{_us_per_item(unb[name], n):.2f} us/item",
            baseline=f"{_us_per_item(unb[base], n):.2f} us/item ({base_label})",
            ratio=r,
            target=f"<= {limit}x" if limit else "(for orientation)",
            met=r <= limit if limit else None,
        )
    for bound in (BOUND, 1):
        times = results[f"identity_bounded_{bound}"]
        for name in reference.OWN:
            r = statistics.median(ratios(times, name, "queue"))
            main_bound = bound == BOUND
            row(
                what=f"identity, {n:,} items, 2 x 5, maxsize {bound}: {name}",
                ours=f"{_us_per_item(times[name], n):.2f} us/item",
                baseline=f"{_us_per_item(times['queue'], n):.2f} us/item "
                f"(queue.Queue({bound}) pipeline)",
                ratio=r,
                target="<= 1.2x" if main_bound else "(for orientation)",
                met=r <= 1.2 if main_bound else None,
            )

    sleep, efficiency = results["sleep"], results["sleep_efficiency"]
    best = best_handwritten(sleep)
    best_eff = statistics.median(efficiency[best])
    for name in DESIGN_KEYS:
        eff = statistics.median(efficiency[name])
        vs_best = statistics.median(ratios(sleep, best, name))
        row(
            what=f"1 ms sleep per stage, {plan.sleep_items:,} items, 2 x 5: {_label(name)}",
            ours=f"{eff:.1%} of ideal",
            baseline=f"{best_eff:.1%} of ideal (best hand-written: the "
            f"{BASELINE_LABELS[best]} pipeline)",
            ratio=vs_best,
            target=">= 97 % of ideal, >= 0.99x best",
            met=eff >= 0.97 and vs_best >= 0.99,
        )
    wide = results["wide"]
    best_rate = plan.wide_items / statistics.median(wide[best_handwritten(wide)])
    for name, base in MATCHING.items():
        rate = plan.wide_items / statistics.median(wide[name])
        row(
            what=f"1 ms sleep per stage, {plan.wide_items:,} items, 2 x 64: {_label(name)}",
            ours=f"{rate:,.0f} items/s",
            baseline=f"{plan.wide_items / statistics.median(wide[base]):,.0f} items/s "
            f"({BASELINE_LABELS[base]} pipeline; best hand-written {best_rate:,.0f})",
            ratio=statistics.median(ratios(wide, base, name)),
            target="(items/s; ratio to the same queue kind)",
        )

    for key, latencies in results["error_latency"].items():
        ms = statistics.median(latencies) * 1e3
        row(
            what=f"a stage raises (2 x 5): time until the caller sees it, {_label(key)}",
            ours=f"{ms:.2f} ms (median of {len(latencies)})",
            baseline="5 ms target (hand-written pipelines never surface it)",
            ratio=ms / 5.0,
            target="< 5 ms",
            met=ms < 5.0,
        )
    cpu = results["waiting_cpu"]
    for name in reference.OWN:
        row(
            what=f"CPU while waiting {plan.source_wait:g} s on a slow source: {name}",
            ours=f"{cpu[name]:.2%} of a core",
            baseline=f"{cpu['caller_alone']:.2%} of a core (the caller alone, waiting as long)",
            target="< 1 % of a core",
            met=cpu[name] < 0.01,
        )
    memory = results["memory"]
    small, large = (str(n) for n in (plan.memory_sizes[0], plan.memory_sizes[-1]))
    held = memory["list_of_items"]
    for name in reference.OWN:
        grow = memory[name][large] / memory[name][small]
        row(
            what=f"peak traced memory, maxsize {BOUND}, generator, "
            f"{int(small):,} -> {int(large):,} items: {name}",
            ours=f"{memory[name][small] / 1024:.0f} -> {memory[name][large] / 1024:.0f} KiB",
            baseline=f"{held[small] / 1024:.0f} -> {held[large] / 1024:.0f} KiB "
            "(the items held in a list)",
            ratio=grow,
            target="<= 2x growth",
            met=grow <= 2.0,
        )
    return rows


def _label(key: str) -> str:
    name, _, bound = key.rpartition("_")
    if bound.isdigit():
        return f"{name}, maxsize {bound}"
    return f"{key}, unbounded"


def render(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    met = {True: "yes", False: "**no**", None: "-"}
    lines = [
        "# Benchmark: the project's pipelines against hand-written ones",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} ({meta['mode']} run).",
        f"Python {meta['python']}, {meta['cpus']} CPUs, load average "
        f"{meta['load_before'][0]:.2f} before and {meta['load_after'][0]:.2f} after "
        "(other processes share this machine).",
        "",
        "Ratios: ours / baseline for times (lower is better), ours / best for throughput",
        "and sleep runs (higher is better); medians of paired runs (each repetition runs",
        "the baseline and the design back to back, in rotating order).",
        "",
        "| figure | ours | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
        cells = [r["what"], r["ours"], r["baseline"], ratio, r["target"], met[r["met"]]]
        lines.append("| " + " | ".join(cells) + " |")
    cpu = meta.get("cpu_bound") or {}
    if cpu:
        widths = list(next(iter(cpu.values())))
        lines += [
            "",
            f"## CPU-bound stages: items/s against workers per stage ({meta['gil_text']})",
            "",
            f"Two stages of a pure-Python loop ({CPU_WORK:,} iterations an item), "
            f"{meta['plan']['cpu_items']} items, median of {meta['plan']['cpu_repeats']} runs; "
            "in brackets, the speed-up over one worker per stage.",
            "",
            "| design | " + " | ".join(f"{w} worker(s)" for w in widths) + " |",
            "|---|" + "---|" * len(widths),
        ]
        for name, by_width in cpu.items():
            base = by_width[widths[0]]
            cells = [f"{by_width[w]:,.0f} ({by_width[w] / base:.2f}x)" for w in widths]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "![peak traced memory against items](memory.png)",
        "",
        "Method: `handwritten()` in `stress/bench/pipelines.py` is the minimal baseline (a feeder",
        "thread, one thread per worker, the caller reads exactly `len(items)` results, then stop",
        "markers); the designs read a `range` lazily and hand each result to the caller as it",
        "arrives. Ideal makespan: items x the run's own measured mean sleep / workers per",
        "stage. Sleep ratios: the time of the best hand-written pipeline (the lowest median",
        "time of the three) over the design's, paired within each repetition; at 64 workers,",
        "the hand-written run on the same kind of queue over the design's. Error latency:",
        "from the raising stage's `raise` to the caller's `except`, every thread joined by then.",
        "CPU: process CPU time over wall time while the source takes its time for the next item.",
        "Memory: `tracemalloc` peak while a generator feeds a bounded run, against a list of the",
        "same items.",
        "",
    ]
    return "\n".join(lines)


def plot(memory: dict[str, dict[str, int]], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 -- slow to import; only needed to draw

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415 -- after choosing the backend

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, peaks in memory.items():
        sizes = [int(n) for n in peaks]
        label = (
            "the items held in a list" if name == "list_of_items" else f"{name}, maxsize {BOUND}"
        )
        ax.plot(sizes, [peaks[str(n)] / 1024 for n in sizes], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("items from a generator")
    ax.set_ylabel("peak traced memory (KiB)")
    ax.set_title("Memory stays flat with maxsize set")
    ax.legend()
    fig.tight_layout()
    _atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)


def _atomic(path: Path, write: Callable[[str], None]) -> None:
    """Write through a temporary file in the same folder, then ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file would be, not mkstemp's 0600
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_text(path: Path, text: str) -> None:
    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    _atomic(path, write)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tiny run (smoke test of the benchmark)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    plan = QUICK if args.quick else FULL
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = measure(plan)
    meta = {
        "command": COMMAND
        + (" --quick" if args.quick else "")
        + (f" --out {out}" if out != DEFAULT_OUT else ""),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "python": interpreter_label(),
        "gil_text": "GIL on" if gil_enabled() else "free-threaded, GIL off",
        "cpus": os.cpu_count(),
        "cpu_bound": {
            name: {w: plan.cpu_items / statistics.median(s) for w, s in by_width.items()}
            for name, by_width in results["cpu_bound"].items()
        },
        "load_before": results["load_before"],
        "load_after": results["load_after"],
        "plan": plan.__dict__,
        "seconds": round(time.perf_counter() - started, 1),
    }
    rows = summarise(results, plan)
    _write_text(
        out / "results.json",
        json.dumps({"meta": meta, "rows": rows, "raw": results}, indent=1) + "\n",
    )
    _write_text(out / "results.md", render(rows, meta))
    plot(results["memory"], out / "memory.png")
    _progress(f"written to {out} in {meta['seconds']} s")
    return 0
