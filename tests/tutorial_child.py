"""Run one tutorial-variant scenario in a child interpreter and report how it ended.

``run_child(spec)`` starts ``python -m tests.tutorial_child SPEC`` and returns its
:class:`Verdict`: ``returned`` or ``raised`` (with the results read), or ``hung`` once
every thread of the child is parked for good (``tutorial_gates.quiescent``), with where
each thread is parked.  A hang is thus proven by structure; the child's own bound only
turns a scenario that neither ends nor parks into ``undecided``.  The child always ends
with ``os._exit`` so stuck pool threads cannot hold it.

Stage ``k`` maps ``x`` to ``f"{x}>{k}"``, raises :class:`StageFault` on the items listed
in ``spec["fail"][k]`` (or on every item, ``"all"``) and returns ``None`` on those in
``spec["none"][k]``.  With ``spec["consumer"] == "raises"`` the main thread is the
consumer and raises at the first result, so the interpreter's own exit is observed.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from tests.tutorial_gates import Calls, describe, parking_executors, quiescent

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHILD_BOUND = 15.0
_POLL = 0.002


class Spec(TypedDict):
    variant: str
    items: list[int]
    workers: list[int]
    settings: NotRequired[dict[str, int]]
    fail: NotRequired[dict[str, list[int] | str]]
    none: NotRequired[dict[str, list[int]]]
    consumer: NotRequired[str]


@dataclass
class Verdict:
    outcome: str
    results: list[Any] = field(default_factory=list)
    error: str = ""
    threads: dict[str, str] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)
    stderr: str = ""

    def parked(self, prefix: str) -> list[str]:
        """Where the threads whose names start with ``prefix`` are parked."""
        return [spot for name, spot in self.threads.items() if name.startswith(prefix)]


class StageFault(Exception):
    """The fault a scenario's stage raises."""


def expected(items: list[int], stages: int) -> list[str]:
    """What a correct pipeline returns for ``items`` through ``stages`` tagging stages."""
    out = []
    for item in items:
        value = str(item)
        for k in range(stages):
            value = f"{value}>{k}"
        out.append(value)
    return out


def run_child(spec: Spec, timeout: float = CHILD_BOUND + 30) -> Verdict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.tutorial_child", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if not lines:
        return Verdict(f"exited {done.returncode}", stderr=done.stderr)
    return Verdict(**json.loads(lines[-1]), stderr=done.stderr)


def _stage(k: int, spec: Spec, calls: Calls) -> Callable[[object], object]:
    fail = spec.get("fail", {}).get(str(k), [])
    none = spec.get("none", {}).get(str(k), [])

    def stage(x: object) -> object:
        calls.add(k)
        origin = int(str(x).split(">")[0])
        if fail == "all" or origin in fail:
            raise StageFault(f"stage {k} failed on {x!r}")
        if origin in none:
            return None
        return f"{x}>{k}"

    return stage


def _report(verdict: dict[str, Any]) -> None:
    os.write(1, (json.dumps(verdict) + "\n").encode())
    os._exit(0)


def _watch(calls: Calls, finished: threading.Event, outcome: dict[str, Any]) -> None:
    """Report the outcome once ``finished``, or ``hung`` once all other threads park."""
    me = threading.current_thread()

    def others() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t is not me]

    tick, deadline = threading.Event(), time.monotonic() + CHILD_BOUND
    while time.monotonic() < deadline:
        if finished.is_set():
            _report({**outcome, "calls": calls.counts()})
        if (state := quiescent(others)) is not None:
            _report({"outcome": "hung", "threads": state, "calls": calls.counts()})
        tick.wait(_POLL)
    _report({"outcome": "undecided", "threads": describe(others()), "calls": calls.counts()})


def main(spec: Spec) -> None:
    import reference

    target = reference.make(spec["variant"], **spec.get("settings", {}))
    calls = Calls(len(spec["workers"]))
    stages = [_stage(k, spec, calls) for k in range(len(spec["workers"]))]
    finished = threading.Event()
    outcome: dict[str, Any] = {"outcome": "undecided"}
    if spec.get("consumer") == "raises":
        watchdog = threading.Thread(
            target=_watch, args=(calls, finished, outcome), name="watchdog", daemon=True
        )
        watchdog.start()
        for value in target(spec["items"], stages, spec["workers"]):
            raise RuntimeError(f"consumer failed on {value!r}")
        return

    def call() -> None:
        try:
            outcome.update(
                outcome="returned", results=list(target(spec["items"], stages, spec["workers"]))
            )
        except BaseException as exc:  # reported, not re-raised: the parent judges it
            outcome.update(outcome="raised", error=repr(exc))
        finished.set()

    threading.Thread(target=call, name="caller", daemon=True).start()
    _watch(calls, finished, outcome)


if __name__ == "__main__":
    with parking_executors():
        main(json.loads(sys.argv[1]))
