"""The search's portfolio: interleaving pressure and timing extremes on top of timing noise.

:func:`portfolio` turns the core's draw into one of four strategies, from a private
stream ``Random(f"{seed}:{k}:power")`` (so a ``timing`` trial is exactly what the
core alone would draw, and the whole config stays a pure function of (seed, k)):

* ``timing``: the core's timing schedules, unchanged;
* ``preempt-lines`` / ``preempt-ops``: the same, plus seeded preemption at line (or
  bytecode) events inside the target's code (:mod:`stress.trial.preempt`): a read and a
  write a few bytecodes apart get split, which plain thread switching never does;
* ``outlive``: an injected fault early on, while one call of a stage runs
  :data:`OUTLIVE_S` seconds, longer than the leak grace, so a pipeline that abandons
  running calls on error is seen leaking;
* ``burst``: every stage call ends on a shared clock tick, so workers finish at once.

The strategy is recorded in the config (``strategy``) and so in every report.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import Any

#: A call that outlives a sibling's failure by more than the leak check's 1.0 s grace,
#: with room for a slow start under load; it sleeps in steps that count as progress,
#: so the watchdog never calls a correct pipeline that waits for it hung.
OUTLIVE_S = 1.8
#: Weights of the strategies; ``outlive`` needs faults and 2+ items, else ``timing``.
#: An ``outlive`` trial costs about 1.8 s whatever the target does, hence its rarity.
WEIGHTS = (("timing", 55.0), ("preempt", 38.5), ("burst", 4.5), ("outlive", 2.0))


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    point = rng.random() * sum(weight for _, weight in table)
    for name, weight in table:
        point -= weight
        if point < 0:
            return name
    return table[-1][0]


def portfolio(config: Any, *, faults: bool) -> Any:
    """``config`` (a core ``TrialConfig``) with its strategy's fields; pure in (seed, k)."""
    rng = random.Random(f"{config.seed}:{config.k}:power")
    strategy = _weighted(rng, WEIGHTS)
    share = rng.choice((0.003, 0.01, 0.03, 0.1, 0.3))
    hold = rng.choice((0.0, 50.0, 200.0, 1000.0))
    ops = rng.random() < 0.5
    stage = rng.randrange(config.stages)
    if strategy == "preempt":
        return dataclasses.replace(
            config,
            strategy="preempt-ops" if ops else "preempt-lines",
            preempt=share,
            preempt_hold_us=hold,
            preempt_ops=ops,
        )
    if strategy == "outlive" and faults and config.items >= 2:
        return dataclasses.replace(
            config,
            strategy="outlive",
            schedule="outlive",
            # Mostly the long call's own stage, failing on its first call: a pipeline
            # that waits for results in order sees the failure while the call runs.
            fault_stage=stage if rng.random() < 0.7 else rng.randrange(config.stages),
            fault_call=0,
            slow_stage=stage,
        )
    if strategy == "burst":
        tick_us = min(rng.choice((500.0, 1000.0, 2000.0, 5000.0)), 2e5 / max(1, config.items))
        return dataclasses.replace(
            config, strategy="burst", schedule="burst", delay_us=round(tick_us, 1)
        )
    return config


def extreme_delay(config: Any, stage: int, n: int) -> float:
    """Seconds call ``n`` of ``stage`` waits under the ``outlive`` or ``burst`` schedule."""
    if config.schedule == "burst":
        tick = max(float(config.delay_us), 1.0) * 1e-6
        return tick - time.monotonic() % tick  # every call in flight ends on the same tick
    if config.schedule == "outlive" and stage == config.slow_stage:
        first_free = 1 if (config.fault_stage == stage and config.fault_call == 0) else 0
        if n == first_free:
            return OUTLIVE_S
    return 0.0
