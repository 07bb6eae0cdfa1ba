"""Simpler neighbours of a trial's configuration: what shrinking tries (pure config logic).

Used by the search's shrink (:mod:`stress.search.shrink`, one trial per candidate) and by
a deterministic-mode trial's child, which shrinks its own find without a fork per
candidate (:mod:`stress.trial.controlled`).  Invariant: every candidate is a valid
configuration strictly simpler than the one it comes from (fewer stages, narrower stages,
fewer items, no awkward values, no fault, quieter timing, fewer forced preemptions), but
for one step that makes preemption steadier; ``seed`` and ``k`` are kept, so the items
are a prefix of the original ones and a replay token rebuilds them.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from typing import Any

from stress.core.config import EVERY_CALL, SearchOptions, TrialConfig


def config_key(config: TrialConfig) -> str:
    """One string per configuration: what a shrink records as tried."""
    return repr(sorted(config.to_json().items()))


#: The steadier preemption a shrink tries first (see :func:`candidates`).
STEADY_HOLD_US = 1000.0
STEADY_SHARE = 0.1


def _replace(config: TrialConfig, **changes: Any) -> TrialConfig | None:
    """``config`` with ``changes``, or ``None`` when that is not a valid configuration."""
    names = {f.name for f in dataclasses.fields(config)}
    if any(name not in names for name in changes):
        return None
    try:
        candidate = dataclasses.replace(config, **changes)
        candidate.validate()
    except (TypeError, ValueError):
        return None
    return candidate if candidate != config else None


def _drop_stage(c: TrialConfig, i: int) -> TrialConfig | None:
    if c.stages == 1 or c.fault_stage == i:
        return None
    workers = c.workers[:i] + c.workers[i + 1 :]
    fault = c.fault_stage
    if fault is not None and fault > i:
        fault -= 1
    slow = c.slow_stage - 1 if c.slow_stage > i else 0 if c.slow_stage == i else c.slow_stage
    return _replace(c, workers=workers, fault_stage=fault, slow_stage=slow)


def _with_items(c: TrialConfig, n: int) -> TrialConfig | None:
    fault_stage, fault_call = c.fault_stage, c.fault_call
    if n == 0:
        fault_stage, fault_call = None, 0  # no call, no fault
    elif fault_stage is not None and fault_call not in (EVERY_CALL, *range(n - 1)):
        fault_call = n - 1  # "the last call" stays the last; a later call becomes it
    return _replace(c, items=n, fault_stage=fault_stage, fault_call=fault_call)


#: The small scope a controlled search starts with: at most this many workers a stage ...
SMALL_WIDTH = 2
#: ... and this many items ...
SMALL_ITEMS = 4
#: ... and at least this many (fewer cannot show a sibling's item overtaken: one item,
#: or none, is in flight at a time).
SMALL_MIN_ITEMS = 2
#: The small scope's trial that sleeps in every stage call (see :func:`small_first`).
#: ``--mode auto`` meets it second (k = 9): its first (k = 1) keeps the drawn timing,
#: which its real-threads trials cannot replace for a race in the target's own code
#: (a lock-order deadlock's auto report, median of 20 seeds, took 1.65 s with the
#: sleeping trial first, 0.37 s without it).
SLEEPING_TURN = 1
#: Timing schedules under which some stage calls take no time (or, "burst", end on
#: one tick): that trial draws "heavy" instead, whose every call sleeps its own while.
WINDOWLESS_SCHEDULES = frozenset(
    {"zero", "uniform", "last_slow", "first_slow", "sibling_slow", "burst"}
)


def small_first(
    c: TrialConfig, options: SearchOptions, *, shape: bool, turn: int | None = None
) -> TrialConfig:
    """``c`` in the small scope, for a controlled search's first trials: exactly
    :data:`SMALL_WIDTH` workers in every stage, at least two stages, at most
    :data:`SMALL_ITEMS` items and at least :data:`SMALL_MIN_ITEMS` (where
    ``--max-items`` allows).

    Under the scheduler a race shows in a small configuration as surely as in a big
    one, and a small one's schedules are cheap and short to shrink (the tutorial's
    shutdown race was drawn at 19 workers x 3 stages).  The scope is the smallest shape
    most pipeline races need: two workers of a stage racing each other, and a hand-over
    between two stages (barrier_as_published races only in a later stage with two
    workers; a one-stage or one-worker draw in the scope cannot show it, and later
    trials are drawn in full).

    Where faults are on, the first trial (an even ``turn``: its place among the
    search's scheduled trials, ``k`` unless said) has a stage error, drawn or added (the
    first call of a stage), and the second (odd) has none: the scope covers both a
    failing call and a plain run.  ``--mode scheduled`` runs the two at once; ``--mode
    auto``, whose real-threads trials wait out a hang's timeout, meets the failing call
    first.  Every tutorial variant hangs or loses results when a task raises, and a
    search whose first trials drew no fault (35 % each) reported counted's hang about a
    second later.

    The second trial (``turn`` 1, the plain one) sleeps in every stage call: a
    schedule in :data:`WINDOWLESS_SCHEDULES` becomes "heavy".  A virtual sleep costs no
    real time and keeps an item in flight while the other threads run, so a marker
    that overtakes a sibling's item does so in every schedule; with calls that take no
    time the
    strategy must preempt a worker between its get and its put, and PCT rarely picks
    that step (barrier_as_published's small trials missed in 13 of 40 draws, in 2 of 40
    with every call asleep).  The others keep the drawn timing: with every call asleep
    one thread can run at a time, and a race inside the target's own code (a
    lock-order deadlock) never showed.

    What the user pinned stays: ``options.workers`` keeps the widths,
    ``options.stages`` the stage count; ``shape=False`` (a fixed pipeline, whose stages
    and items are its own) keeps everything.  Seed and k are kept, so the items are a
    prefix of the drawn ones and a token names the result exactly.
    """
    if not shape:
        return c
    small = c
    if small.items > SMALL_ITEMS:
        small = _with_items(small, SMALL_ITEMS) or small
    if options.workers is None:
        widths = (SMALL_WIDTH,) * max(small.stages, 1 if options.stages else 2)
        small = _replace(small, workers=widths) or small
    if small.items < SMALL_MIN_ITEMS <= options.max_items:
        small = _with_items(small, SMALL_MIN_ITEMS) or small
    turn = c.k if turn is None else turn
    if turn == SLEEPING_TURN and small.schedule in WINDOWLESS_SCHEDULES:
        small = _replace(small, schedule="heavy") or small
    if options.faults and small.items > 0 and small.strategy != "outlive":
        if turn % 2 == 0:  # a failing call
            small = _with_fault(small)
        else:
            small = _replace(small, fault_stage=None, fault_call=0) or small
    return small


def _with_fault(c: TrialConfig) -> TrialConfig:
    """``c`` with a stage error where it had none: the first call of a stage drawn from
    ``(seed, k)``; a drawn fault is kept."""
    if c.fault_stage is not None:
        return c
    stage = random.Random(f"{c.seed}:{c.k}:small-fault").randrange(c.stages)
    return _replace(c, fault_stage=stage, fault_call=0) or c


#: Categories no trial without items can show: the oracle counts them against the
#: items' expected results (:mod:`stress.core.oracle`), and there are none.
NEEDS_ITEMS = frozenset({"LOST", "DUPLICATED"})


def candidates(
    c: TrialConfig, *, shape: bool = True, category: str | None = None
) -> Iterator[tuple[str, TrialConfig | None]]:
    """Simpler neighbours of ``c``, the biggest simplifications first.

    First of all, once: preemption that holds (``STEADY_HOLD_US``) where it only
    yielded or held briefly, at a share no lower than ``STEADY_SHARE``.  Not simpler,
    but a window found by chance is then opened nearly every run, so every later
    re-check, and the replay, is more reliable.  ``shape=False`` (a fixed pipeline,
    whose stages and items are its own) keeps stages, widths and items.  ``category``:
    the defect being shrunk; a candidate that cannot show it (no items for a LOST) is
    yielded as ``None``, so no batch or trial is spent on it.
    """
    preempt = float(getattr(c, "preempt", 0.0) or 0.0)
    if preempt and float(getattr(c, "preempt_hold_us", 0.0)) < STEADY_HOLD_US:
        yield (
            "steadier preemption (holds of 1 ms)",
            _replace(c, preempt_hold_us=STEADY_HOLD_US, preempt=max(preempt, STEADY_SHARE)),
        )
    if shape:
        yield from _shape_candidates(c, category)
    if c.awkward:
        yield "plain values", _replace(c, awkward=0.0)
    if c.fault_stage is not None:
        yield "no fault", _replace(c, fault_stage=None, fault_call=0)
    if preempt:
        yield "no preemption", _replace(c, preempt=0.0)
        yield "half the preemption points", _replace(c, preempt=round(preempt / 2, 6))
        if getattr(c, "preempt_ops", False):
            yield "preempt at lines only", _replace(c, preempt_ops=False)
    yield "no delays", _replace(c, schedule="zero", slow_ms=0.0, spin=0.0)
    if c.schedule not in ("zero", "uniform"):
        yield "uniform delays", _replace(c, schedule="uniform", slow_ms=0.0, slow_stage=0)
    yield "no spinning", _replace(c, spin=0.0)
    yield "default switch interval", _replace(c, switch_interval=0.005)


def _shape_candidates(
    c: TrialConfig, category: str | None
) -> Iterator[tuple[str, TrialConfig | None]]:
    for i in reversed(range(c.stages)):
        yield f"drop stage {i}", _drop_stage(c, i)
    for n in sorted({0, 1, 2, 3, c.items // 2, c.items - 1}):
        if 0 <= n < c.items:
            fruitless = n == 0 and category in NEEDS_ITEMS
            yield f"{n} items", None if fruitless else _with_items(c, n)
    for i, width in enumerate(c.workers):
        for narrower in sorted({1, 2, width // 2, width - 1}):
            if 1 <= narrower < width:
                workers = (*c.workers[:i], narrower, *c.workers[i + 1 :])
                yield f"stage {i}: {narrower} workers", _replace(c, workers=workers)
