"""Trial configurations: what one trial runs, drawn as a pure function of (seed, k).

Invariant: :func:`draw` uses only a private ``random.Random(f"{seed}:{k}")`` (string
seeds hash with SHA-512, so the stream is the same in every process and on every run);
nothing about trial ``k`` depends on earlier trials, on time or on the machine.  A
:class:`TrialConfig` is frozen and JSON-able, and holds no values: the child rebuilds
the items, stages and timing from it (see :mod:`stress.forms.workload`).

The distribution leans to where pipeline defects hide: few items (0, 1, 2, 3) and
more items than workers or fewer, widths from 1 to 32 and stages that differ,
faults on the first, the last, a random or every call of a stage, ``None``/falsy/
unhashable values, and timing aimed at shutdown (the last item slow, one sibling slow).
Now and then (:data:`STALL_SHARE`) one stage call stalls for most of a trial timeout,
longer than the idle timeouts real pipelines use to decide that the work is done.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from stress.core.power import portfolio

#: Timing schedules (see :mod:`stress.forms.workload` for what each does).
SCHEDULES = (
    "zero",
    "uniform",
    "heavy",
    "last_slow",
    "first_slow",
    "sibling_slow",
    "outlive",
    "burst",
)
#: ``fault_call`` value meaning every call of the stage raises.
EVERY_CALL = -1
DEFAULT_MAX_ITEMS = 300
#: Share of trials in which one stage call stalls (drawn on a private stream, so the
#: rest of a trial's config is what it would be without).
STALL_SHARE = 0.08
#: Where the stall falls: a stage's first call, its last, or a second worker's first.
STALL_PLACES = ("first", "last", "sibling")
CONFIG_VERSION = 1
#: How a trial runs: real threads, or the controlled scheduler (the deterministic mode).
MODES_RUN = ("threads", "scheduled")
#: Where a scheduled schedule may switch threads: synchronisation points only, also at
#: each line of the target's code, or also between its bytecodes.
SCHEDULING_POINTS = ("sync", "lines", "ops")
#: A trial's deliberate slowness (``slow_ms`` per slow call) sums to about this much.
SLOW_TOTAL_MS = 300.0


@dataclass(frozen=True)
class SearchOptions:
    """What the user pinned or switched off (CLI options / ``check`` keywords)."""

    stages: int | None = None
    workers: tuple[int, ...] | None = None  # one width per stage, or one width for all
    max_items: int = DEFAULT_MAX_ITEMS
    faults: bool = True
    awkward: bool = True

    def __post_init__(self) -> None:
        if self.stages is not None and self.stages < 1:
            raise ValueError("stages must be >= 1")
        if self.workers is not None:
            if not self.workers or any(w < 1 for w in self.workers):
                raise ValueError("workers must be ints >= 1")
            pinned = self.stages if self.stages is not None else len(self.workers)
            if len(self.workers) not in (1, pinned):
                raise ValueError(
                    f"--workers has {len(self.workers)} widths for {self.stages} stages"
                )
        if self.max_items < 0:
            raise ValueError("max-items must be >= 0")


@dataclass(frozen=True)
class TrialConfig:
    """One trial, exactly: shape, values, fault and timing.  JSON via :meth:`to_json`."""

    seed: int
    k: int
    workers: tuple[int, ...]  # one width per stage; len() is the number of stages
    items: int
    awkward: float = 0.0  # share of awkward items and stage outputs (0: plain ints)
    fault_stage: int | None = None
    fault_call: int = 0  # the n-th call (0-based) of fault_stage raises; EVERY_CALL: all
    schedule: str = "uniform"
    delay_us: float = 50.0  # typical small delay of one stage call
    slow_ms: float = 0.0  # the slow part of the shutdown-aimed schedules
    slow_stage: int = 0  # where last_slow / first_slow / sibling_slow apply
    spin: float = 0.0  # share of delays spent spinning (holding the GIL) rather than asleep
    stall_ms: float = 0.0  # one call of stall_stage takes this long (capped in the child)
    stall_stage: int = 0
    stall_at: str = "first"  # which call: one of STALL_PLACES
    switch_interval: float = 0.005
    items_digest: str = ""  # a fixed pipeline's items, as drawn (stress.forms.fixed.items)
    reference_results: int = -1  # results those items gave in another trial (-1: none)
    strategy: str = "timing"  # the portfolio strategy that drew it (stress.core.power)
    preempt: float = 0.0  # share of the target's trace events that preempt (0: none)
    preempt_hold_us: float = 0.0  # 0: a preemption yields the GIL; else holds this long
    preempt_ops: bool = False  # preempt between bytecodes, not only between lines
    mode: str = "threads"  # "scheduled": under the controlled scheduler (trial/controlled.py)
    decisions: tuple[int, ...] | None = None  # scheduled replay: one schedule's choices
    python: str = ""  # scheduled replay: the interpreter build that made the decisions
    source: str = ""  # scheduled replay: a hash of the target's source file
    points: str = "sync"  # scheduled replay: where the schedule chose (SCHEDULING_POINTS)

    @property
    def stages(self) -> int:
        return len(self.workers)

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two trials the same *configuration* (timing aside)."""
        return (self.workers, self.items, self.awkward > 0, self.fault_stage, self.fault_call)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["workers"] = list(self.workers)
        if not self.items_digest:  # the fixed-pipeline fields appear only when set
            del data["items_digest"], data["reference_results"]
        if self.mode == "threads":  # the deterministic mode's fields appear only when used
            del data["mode"], data["decisions"], data["python"], data["source"]
            del data["points"]
        elif self.decisions is None:  # a search's trial, not one schedule's replay
            del data["decisions"], data["python"], data["source"], data["points"]
        else:
            data["decisions"] = list(self.decisions)
        return data

    @classmethod
    def from_json(cls, data: object) -> TrialConfig:
        """Rebuild a config from :meth:`to_json` output; ``ValueError`` if malformed."""
        if not isinstance(data, dict):
            raise ValueError("a trial configuration must be a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown configuration fields: {', '.join(unknown)}")
        try:
            fields = dict(data)
            fields["workers"] = tuple(int(w) for w in fields["workers"])
            if fields.get("decisions") is not None:
                fields["decisions"] = tuple(fields["decisions"])
            config = cls(**fields)
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed trial configuration: {error}") from None
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ``ValueError`` unless every field is in range."""
        ints = (self.seed, self.k, self.items, self.fault_call, self.slow_stage)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in ints):
            raise ValueError("seed, k, items, fault_call and slow_stage must be ints")
        if not self.workers or any(w < 1 for w in self.workers):
            raise ValueError("workers must be a non-empty list of ints >= 1")
        if self.items < 0 or self.seed < 0 or self.k < 0:
            raise ValueError("seed, k and items must be >= 0")
        if self.fault_stage is not None and not 0 <= self.fault_stage < self.stages:
            raise ValueError("fault_stage out of range")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}")
        if not 0 <= self.slow_stage < self.stages:
            raise ValueError("slow_stage out of range")
        if not (0.0 <= self.awkward <= 1.0 and 0.0 <= self.spin <= 1.0):
            raise ValueError("awkward and spin are shares between 0 and 1")
        if not (0 < self.switch_interval <= 0.1 and 0 <= self.delay_us <= 1e5):
            raise ValueError("switch_interval or delay_us out of range")
        if not 0 <= self.slow_ms <= 1000:
            raise ValueError("slow_ms out of range")
        if not (0 <= self.stall_ms <= 10_000 and 0 <= self.stall_stage < self.stages):
            raise ValueError("stall_ms or stall_stage out of range")
        if self.stall_at not in STALL_PLACES:
            raise ValueError(f"unknown stall place {self.stall_at!r}")
        if not isinstance(self.items_digest, str) or not isinstance(self.reference_results, int):
            raise ValueError("items_digest must be a string and reference_results an int")
        if not (0.0 <= self.preempt <= 1.0 and 0.0 <= self.preempt_hold_us <= 1e5):
            raise ValueError("preempt is a share between 0 and 1, preempt_hold_us <= 1e5")
        if not isinstance(self.strategy, str) or not isinstance(self.preempt_ops, bool):
            raise ValueError("strategy must be a string and preempt_ops a bool")
        if self.mode not in MODES_RUN:
            raise ValueError(f"mode must be one of {', '.join(MODES_RUN)}, not {self.mode!r}")
        if any(
            isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in self.decisions or ()
        ):
            raise ValueError("decisions must be ints >= 0")
        if not isinstance(self.python, str) or not isinstance(self.source, str):
            raise ValueError("python and source must be strings")
        if self.points not in SCHEDULING_POINTS:
            raise ValueError(f"points must be one of {', '.join(SCHEDULING_POINTS)}")


def _weighted(rng: random.Random, table: list[tuple[float, Any]]) -> Any:
    total = sum(weight for weight, _ in table)
    point = rng.random() * total
    for weight, value in table:
        point -= weight
        if point < 0:
            return value
    return table[-1][1]


def _width(rng: random.Random) -> int:
    low, high = _weighted(
        rng, [(20, (1, 1)), (20, (2, 2)), (25, (3, 5)), (25, (6, 16)), (10, (17, 32))]
    )
    return rng.randint(low, high)


def _workers(rng: random.Random, options: SearchOptions) -> tuple[int, ...]:
    if options.workers is not None and (len(options.workers) > 1 or options.stages is not None):
        count = options.stages or len(options.workers)
        return options.workers * count if len(options.workers) == 1 else options.workers
    count = options.stages or _weighted(rng, [(20, 1), (40, 2), (25, 3), (10, 4), (5, 5)])
    if count == 5 and options.stages is None:
        count = rng.randint(5, 8)  # now and then a long pipeline
    if options.workers is not None:  # one width pinned, stage count drawn
        return options.workers * count
    shape = _weighted(rng, [(45, "uniform"), (25, "mixed"), (15, "wider"), (15, "narrower")])
    if shape == "uniform":
        return (_width(rng),) * count
    widths = [_width(rng) for _ in range(count)]
    if shape == "wider":
        widths.sort()
    elif shape == "narrower":
        widths.sort(reverse=True)
    return tuple(widths)


def _items(rng: random.Random, max_items: int, widest: int) -> int:
    low, high = _weighted(
        rng,
        [
            (5, (0, 0)),
            (14, (1, 1)),
            (12, (2, 3)),
            (8, (max(0, widest - 1), widest + 1)),  # about as many items as workers
            (20, (4, 12)),
            (24, (13, 60)),
            (17, (61, max_items)),
        ],
    )
    return min(rng.randint(min(low, max_items), max(min(high, max_items), 0)), max_items)


def capped_slow_ms(slow_ms: float, items: int) -> float:
    """``slow_ms`` capped so that ``items`` slow calls take about :data:`SLOW_TOTAL_MS`.

    Whoever changes a config's item count after the draw (the fixed form does) must cap
    again: under ``sibling_slow`` one thread may make every call.
    """
    return round(min(slow_ms, SLOW_TOTAL_MS / max(1, items)), 3)


def _stall(seed: int, k: int, stages: int) -> dict[str, Any]:
    """A stalled call's fields, for about :data:`STALL_SHARE` of trials (else none)."""
    rng = random.Random(f"{seed}:{k}:stall")
    if rng.random() >= STALL_SHARE:
        return {}
    return {
        "stall_ms": round(rng.uniform(300.0, 1200.0), 1),
        "stall_stage": rng.randrange(stages),
        "stall_at": rng.choice(STALL_PLACES),
    }


def draw(seed: int, k: int, options: SearchOptions) -> TrialConfig:
    """Trial ``k`` of the search seeded ``seed``: a pure function of its arguments."""
    rng = random.Random(f"{seed}:{k}")
    workers = _workers(rng, options)
    items = _items(rng, options.max_items, max(workers))
    awkward = 0.0
    if options.awkward and rng.random() < 0.4:
        awkward = _weighted(rng, [(40, 0.1), (40, 0.3), (20, 0.7)])
    fault_stage: int | None = None
    fault_call = 0
    if options.faults and items > 0 and rng.random() < 0.35:
        fault_stage = rng.randrange(len(workers))
        place = _weighted(rng, [(30, "first"), (30, "last"), (28, "random"), (12, "every")])
        fault_call = {
            "first": 0,
            "last": items - 1,
            "random": rng.randrange(items),
            "every": EVERY_CALL,
        }[place]
    schedule = _weighted(
        rng,
        [
            (12, "zero"),
            (30, "uniform"),
            (18, "heavy"),
            (15, "last_slow"),
            (10, "first_slow"),
            (15, "sibling_slow"),
        ],
    )
    slow_stage = rng.randrange(len(workers))
    slow_ms = capped_slow_ms(rng.choice((1.0, 3.0, 10.0, 30.0)), items)
    switch_interval = _weighted(rng, [(30, 0.005), (25, 0.001), (25, 1e-4), (12, 1e-5), (8, 1e-6)])
    config = TrialConfig(
        seed=seed,
        k=k,
        workers=workers,
        items=items,
        awkward=awkward,
        fault_stage=fault_stage,
        fault_call=fault_call,
        schedule=schedule,
        delay_us=rng.choice((5.0, 20.0, 50.0, 200.0)),
        slow_ms=slow_ms,
        slow_stage=slow_stage,
        spin=rng.choice((0.0, 0.0, 0.3, 1.0)),
        switch_interval=switch_interval,
        **_stall(seed, k, len(workers)),
    )
    drawn: TrialConfig = portfolio(config, faults=options.faults)
    return drawn
