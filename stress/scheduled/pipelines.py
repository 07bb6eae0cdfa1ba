"""Pipelines under the scheduler: one schedule's verdict, a search over schedules, a replay.

A *target* is ``pipeline(items, stages, workers) -> iterable`` (CONTRACT.md section
1), named as a reference variant (``single_pool``) or ``module:attribute``; it is
imported inside the job, after the stand-ins.  The stages are plain arithmetic (no
synchronisation of their own), so every interleaving comes from the target.

Verdicts, the first that applies: ``HANG`` (a deadlock, or virtual time without
end), ``UNCONTROLLED`` / ``STEP_LIMIT`` / ``DIVERGED`` (nothing may be concluded),
``UNEXPECTED_ERROR``, ``WRONG_VALUE``, ``DUPLICATED``, ``LOST``, ``LEAKED_WORKER``,
``PASS``.  The jobs run in a child made by :func:`stress.scheduled.child.run_job`.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from stress.scheduled import _real
from stress.scheduled.run import ControlledOutcome, run_controlled
from stress.scheduled.scheduler import COMPLETED, DEADLOCK, VIRTUAL_TIMEOUT
from stress.scheduled.strategies import Replay, Strategy, draw, from_description

Target = Callable[[Sequence[Any], Sequence[Callable[[Any], Any]], Sequence[int]], Iterable[Any]]

_INCONCLUSIVE = {"uncontrolled": "UNCONTROLLED", "step_limit": "STEP_LIMIT", "diverged": "DIVERGED"}


def _add_one(x: int) -> int:
    return x + 1


def _double(x: int) -> int:
    return x * 2


def load_target(name: str) -> Target:
    """A reference variant by name, or ``module:attribute``."""
    if ":" in name:
        module, _, attribute = name.partition(":")
        target: Target = getattr(importlib.import_module(module), attribute)
        return target
    from reference import VARIANTS  # noqa: PLC0415 - imported after the stand-ins

    return VARIANTS[name]


def pipeline_body(target: Target, items: int, stages: int, workers: int) -> Callable[[], str]:
    """The caller's side of one call: feed, read every result, close, judge."""
    functions = [_add_one if k % 2 == 0 else _double for k in range(stages)]
    inputs = list(range(items))
    expected: Counter[int] = Counter()
    for item in inputs:
        value = item
        for f in functions:
            value = f(value)
        expected[value] += 1

    def body() -> str:
        results = target(inputs, functions, [workers] * stages)
        try:
            got = Counter(results)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        if any(value not in expected for value in got):
            return "WRONG_VALUE"
        if any(got[value] > expected[value] for value in got):
            return "DUPLICATED"
        if got != expected:
            return "LOST"
        return "PASS"

    return body


def verdict(outcome: ControlledOutcome) -> str:
    """One word for a run (see the module docstring for the order)."""
    if outcome.status in (DEADLOCK, VIRTUAL_TIMEOUT):
        return "HANG"
    if not outcome.controlled or outcome.status != COMPLETED:
        return _INCONCLUSIVE.get(outcome.status, "UNCONTROLLED")
    if outcome.error is not None:
        return "UNEXPECTED_ERROR"
    result = str(outcome.result)
    if result == "PASS" and outcome.leaked:
        return "LEAKED_WORKER"
    return result


def _summary(outcome: ControlledOutcome, strategy: Strategy) -> dict[str, Any]:
    return {
        "verdict": verdict(outcome),
        "status": outcome.status,
        "reason": outcome.reason,
        "strategy": strategy.describe(),
        "decisions": outcome.decisions,
        "trace": outcome.trace,
        "report": outcome.describe(),
        "steps": outcome.steps,
    }


def search(
    *,
    target: str,
    items: int,
    stages: int,
    workers: int,
    seed: int,
    schedules: int,
    stop_at_defect: bool = True,
    reuse_os_threads: bool = False,
) -> dict[str, Any]:
    """Job: run ``schedules`` schedules drawn from (seed, k); the first defect, replayed.

    The defect's schedule is replayed once in this process with a trace, and the
    result says whether that replay gave the same verdict and decisions (``exact``).
    """
    pipeline = load_target(target)
    body = pipeline_body(pipeline, items, stages, workers)
    verdicts: Counter[str] = Counter()
    found: dict[str, Any] | None = None
    steps_hint = 100
    start = _real.perf_counter()
    done = 0
    for k in range(schedules):
        strategy = draw(seed, k, steps=steps_hint)
        outcome = run_controlled(body, strategy, trace=False, reuse_os_threads=reuse_os_threads)
        done += 1
        word = verdict(outcome)
        verdicts[word] += 1
        steps_hint = max(steps_hint, len(outcome.decisions))
        if not outcome.controlled:
            break  # the process may hold a stuck thread: run no more schedules here
        if word != "PASS" and found is None:
            replay = Replay(outcome.decisions)
            again = run_controlled(body, replay, trace=True)
            found = {
                "k": k,
                **_summary(again, strategy),
                "exact": verdict(again) == word and again.decisions == outcome.decisions,
            }
            if stop_at_defect:
                break
    elapsed = _real.perf_counter() - start
    return {
        "schedules": done,
        "elapsed": elapsed,
        "per_second": done / elapsed if elapsed else 0.0,
        "verdicts": dict(verdicts),
        "defect": found,
    }


def replay(
    *, target: str, items: int, stages: int, workers: int, strategy: dict[str, Any]
) -> dict[str, Any]:
    """Job: one run of a described strategy (a replay: ``{"kind": "replay", ...}``)."""
    chosen = from_description(strategy)
    outcome = run_controlled(pipeline_body(load_target(target), items, stages, workers), chosen)
    summary = _summary(outcome, chosen)
    summary["complete"] = not isinstance(chosen, Replay) or chosen.complete
    return summary
