"""What a scheduled trial's child makes of one schedule, and what it sends.

Invariants:

* A schedule's verdict is the core oracle's and the form's (:func:`judge`), as for
  real threads; a deadlock or a run without end in virtual time is a HANG with the
  wait-for table; a schedule the scheduler did not control gives no verdict (None).
* A found schedule is sent with its decisions, the interpreter build it ran on and a
  hash of the target's source (:func:`found_message`); a replay made elsewhere is a
  usage error of one line (:func:`check_replay`), never a wrong result.
* A target that made a thread pool or started threads at import cannot start each
  schedule fresh: :func:`made_at_import` says why, and the trial is uncontrolled.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import inspect
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
from typing import Any

from stress.core.config import TrialConfig
from stress.core.errors import Unsupported, UsageError, find_fault, walk_exception
from stress.core.oracle import Observation, classify
from stress.core.version import interpreter_label
from stress.forms.protocol import FormTrial
from stress.scheduled.run import ControlledOutcome
from stress.scheduled.scheduler import COMPLETED, DEADLOCK, VIRTUAL_TIMEOUT
from stress.scheduled.strategies import Strategy

#: Pools a module may make at import, whose threads outlive a call by design.
_LONG_LIVED = (ThreadPoolExecutor, ThreadPool)
_WHERE = {
    "sync": "synchronisation points",
    "lines": "synchronisation points and the target's lines",
    "ops": "synchronisation points and the target's bytecodes",
}


@dataclasses.dataclass
class Schedule:
    """One schedule's run and what the oracle made of it."""

    outcome: ControlledOutcome
    message: dict[str, Any] | None  # the verdict message; None when uncontrolled
    at: list[int]  # the decisions that preempted (stress.scheduled.preemptions.Counted)
    points: str  # where it could switch: sync, lines or ops (stress.trial.sched_points)
    deciders: list[int] = dataclasses.field(default_factory=list)  # who took each decision


def interpreter_tag() -> str:
    """What a replay must run on to meet the same decisions (version, build, GIL)."""
    return interpreter_label()


def source_hash(target: Callable[..., Any]) -> str:
    """A short hash of the file the target is defined in ("" when there is none)."""
    obj: Any = inspect.unwrap(target)
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        obj = type(obj)  # a callable instance: its class's file
    try:
        path = inspect.getsourcefile(obj)
        if path is None:
            return ""
        with open(path, "rb") as source:
            return hashlib.sha256(source.read()).hexdigest()[:16]
    except (OSError, TypeError):
        return ""


def judge(form: FormTrial, obs: Observation, outcome: ControlledOutcome) -> dict[str, Any] | None:
    """The verdict message for one schedule; None when nothing may be concluded."""
    tokens = form.workload.tokens
    if outcome.status in (DEADLOCK, VIRTUAL_TIMEOUT):
        obs.hung = True
        why = (
            "a deadlock under the controlled scheduler: every thread waits and none can "
            "time out (found at once)"
            if outcome.status == DEADLOCK
            else f"no return in {outcome.virtual_time:.0f} s of virtual time (a livelock, "
            "or a wait without end that polls)"
        )
        calls = ", ".join(f"stage {s}: {n}" for s, n in enumerate(form.workload.calls_started))
        obs.hang_lines = [
            why,
            f"stage calls started: {calls}",
            f"results read by the caller: {len(obs.results)} of {len(obs.expected)}",
            "wait-for table:",
            *outcome.describe()[1:],
        ]
    elif outcome.status != COMPLETED or not outcome.controlled:
        return None
    else:
        error = outcome.result if isinstance(outcome.result, BaseException) else None
        if error is not None and (
            isinstance(error, Unsupported)
            or any(isinstance(e, Unsupported) for e, _ in walk_exception(error))
        ):
            return {"kind": "verdict", "skipped": True, "summary": str(error), "counts": {}}
        if error is not None:
            obs.fault_match = find_fault(error, tokens, {id(f) for f in form.workload.faults})
        obs.leaked = [f"{name!r} (alive a virtual second later)" for name in outcome.leaked]
        if obs.leaked:
            obs.leak_stacks = ["threads still alive when the call had returned:", *outcome.leaked]
    obs.fault_tokens = sorted(tokens)
    verdict = form.judge(classify(obs), obs)
    counts = dict(verdict.counts)
    counts.update(faults=len(tokens), steps=outcome.steps, threads=outcome.threads)
    return {
        "kind": "verdict",
        "category": verdict.category,
        "summary": verdict.summary,
        "details": verdict.details,
        "counts": counts,
        "duration": outcome.virtual_time,
    }


def found_message(
    message: dict[str, Any],
    done: Schedule,
    target: Callable[..., Any],
    *,
    schedules: int,
    strategy: Strategy,
    originally: int,
) -> dict[str, Any]:
    decisions = done.outcome.decisions
    described = strategy.describe()
    kind = described["kind"] + (f" depth {described['depth']}" if "depth" in described else "")
    fewer = len(done.at)
    message["counts"].update(schedules=schedules, preemptions=fewer)
    shrunk = f" (shrunk from {originally})" if fewer != originally else ""
    where = _WHERE[done.points]
    message["details"] = [
        f"schedule: {kind} at {where}, {len(decisions)} decisions, "
        f"{fewer} preemption(s){shrunk}, "
        f"found at schedule {schedules} of this trial ({done.outcome.steps} steps, "
        f"{done.outcome.threads} threads, {done.outcome.virtual_time:.3f} s virtual)",
        *message["details"],
    ]
    message.update(
        decisions=decisions,
        python=interpreter_tag(),
        source=source_hash(target),
        points=done.points,
    )
    return message


def uncontrolled(outcome: ControlledOutcome) -> dict[str, Any]:
    reason = "; ".join(outcome.describe()) or outcome.status
    return {"kind": "verdict", "category": None, "summary": "", "uncontrolled": reason}


def made_at_import(before: set[threading.Thread], target: Callable[..., Any]) -> str:
    """Why the target's import keeps schedules from starting fresh, or "".

    An executor made at import (in this child, or in the process that forked it, whose
    objects ``gc.get_objects()`` no longer lists after ``gc.freeze()``: hence the look
    at the target's module too) outlives each schedule, and its threads would run
    uncontrolled in the next.
    """
    started = [t.name for t in threading.enumerate() if t not in before]
    if started:
        return f"the target started thread(s) at import: {', '.join(started)}"
    module = sys.modules.get(getattr(target, "__module__", None) or "")
    found = list(vars(module).values()) if module is not None else []
    if any(isinstance(obj, _LONG_LIVED) for obj in [*found, *gc.get_objects()]):
        return "the target made a thread pool at import (it outlives each schedule)"
    return ""


def check_replay(config: TrialConfig, target: Callable[..., Any]) -> None:
    """``UsageError`` when a replay's schedule was made elsewhere."""
    if config.decisions is None:
        return
    here = interpreter_tag()
    if config.python and config.python != here:
        raise UsageError(
            f"replay: this schedule was recorded on Python {config.python}, this is {here}: "
            "run the replay with that interpreter, or search again here"
        )
    source = source_hash(target)
    if config.source and source and config.source != source:
        raise UsageError(
            "replay: the target's source changed since this schedule was recorded "
            f"(hash {config.source}, now {source}): search again for a new token"
        )
