"""Preemptions: counting them in a schedule, and schedules with fewer of them.

A *preemption* is a decision that switches away from the thread making it while that
thread could go on (it is among the enabled ones): the interleavings a race needs.
A switch because the running thread blocks or ends is no preemption.  Studies of real
concurrency bugs (SCTBench) find most need one to three.

:class:`Counted` wraps any strategy and records where its preemptions are and which
thread took each decision.  A decision is named by its *key*: the deciding thread and
how many decisions that thread had taken before (:func:`keys_of`); a key names the same
moment of a thread's life in a run that differs elsewhere, where a decision's index
does not.  :class:`Keyed` runs a schedule's choices by key with only some of its
preemptions kept (every other decision lets the running thread go on), and
:func:`fewest_preemptions` cuts them by delta debugging (Zeller's ddmin: halves, then
quarters, ... of the preemptions, each subset and complement tried; a schedule that
still fails becomes the new one), then tries :class:`Bounded` schedules of at most 1,
2 or 3 preemptions at random points if more are left.  Invariant: every schedule it
returns was run and showed the defect, with fewer preemptions than the one it got.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stress.scheduled import _real
from stress.scheduled.scheduler import RECORDS, Strategy


def _deciding() -> int | None:
    """The index of the thread asking for a decision (the one running), if known."""
    rec = RECORDS.get(_real.get_ident())
    return None if rec is None else rec.index


class Counted:
    """``inner``, with the decision indexes at which it preempted (``at``) and the
    thread that took each decision (``deciders``; -1: none of the target's)."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner
        self.at: list[int] = []
        self.deciders: list[int] = []

    def choose(self, enabled: list[int]) -> int:
        rec = RECORDS.get(_real.get_ident())  # _deciding(), inlined: every decision
        chosen = self.inner.choose(enabled)
        me = -1 if rec is None else rec.index
        if chosen != me and me in enabled:
            self.at.append(len(self.deciders))
        self.deciders.append(me)
        return chosen

    def new_thread(self, index: int) -> None:
        self.inner.new_thread(index)

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.inner, "describe", None)
        return describe() if callable(describe) else {"kind": type(self.inner).__name__}


#: A decision's key: the thread deciding, and how many decisions it had taken before.
Key = tuple[int, int]


def keys_of(deciders: list[int]) -> list[Key]:
    """Each decision's key (see the module's docstring)."""
    taken: dict[int, int] = {}
    keys = []
    for me in deciders:
        n = taken.get(me, 0)
        taken[me] = n + 1
        keys.append((me, n))
    return keys


class Keyed:
    """A schedule's choices by key: ``switches`` where the deciding thread could go on
    (preemptions), ``handoffs`` where it could not; elsewhere, and where the choice is
    not enabled, the running thread goes on, or the lowest-numbered enabled one runs.
    So a run preempts only at keys of ``switches``."""

    def __init__(self, switches: dict[Key, int], handoffs: dict[Key, int]) -> None:
        self.switches, self.handoffs = switches, handoffs
        self._taken: dict[int, int] = {}

    def choose(self, enabled: list[int]) -> int:
        me = _deciding()
        me = -1 if me is None else me
        n = self._taken.get(me, 0)
        self._taken[me] = n + 1
        if me in enabled:
            switch = self.switches.get((me, n), me)
            return switch if switch in enabled else me
        handoff = self.handoffs.get((me, n), -1)
        return handoff if handoff in enabled else enabled[0]

    def new_thread(self, index: int) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"kind": "keyed", "preemptions": len(self.switches)}


class Guided:
    """The decisions of ``prefix``, then no preemption at all."""

    def __init__(self, prefix: list[int]) -> None:
        self.prefix = list(prefix)
        self.used = 0

    def choose(self, enabled: list[int]) -> int:
        if self.used < len(self.prefix):
            self.used += 1
            return self.prefix[self.used - 1]
        me = _deciding()
        return me if me is not None and me in enabled else enabled[0]

    def new_thread(self, index: int) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"kind": "guided", "prefix": len(self.prefix)}


class Bounded:
    """At most ``bound`` preemptions, at random preemptible points.

    A *preemptible point* is a decision taken while the deciding thread could go on;
    ``bound`` of the first ``span`` of them (drawn from ``seed``) switch to another
    enabled thread, every other one lets the running thread go on.  When the running
    thread blocks or ends, the next is drawn among the enabled ones (no preemption).
    """

    def __init__(self, seed: int, bound: int, span: int) -> None:
        self.rng = random.Random(seed)
        span = max(span, bound, 1)
        self.points = set(self.rng.sample(range(span), min(bound, span)))
        self.seen = 0
        self.seed, self.bound = seed, bound

    def choose(self, enabled: list[int]) -> int:
        me = _deciding()
        if me is None or me not in enabled:
            return enabled[self.rng.randrange(len(enabled))]
        self.seen += 1
        others = [t for t in enabled if t != me]
        if self.seen - 1 in self.points and others:
            return others[self.rng.randrange(len(others))]
        return me

    def new_thread(self, index: int) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"kind": "bounded", "seed": self.seed, "bound": self.bound}


@dataclass
class Tried:
    """What a search for fewer preemptions learns from one run: whether it still shows
    the defect, its decisions, where its preemptions are and who took each decision."""

    fails: bool
    decisions: list[int] = field(default_factory=list)
    at: list[int] = field(default_factory=list)
    deciders: list[int] = field(default_factory=list)


def fewest_preemptions(
    found: Tried,
    run: Callable[[Strategy], Tried],
    *,
    max_runs: int,
    cut_runs: int = 0,
    seed: int = 0,
) -> Tried | None:
    """A run with fewer preemptions than ``found`` that still shows the defect, or None
    (see the module's docstring); ``run`` runs a strategy, at most ``max_runs`` times
    for the leading preemptions and the bounded draws, then ``cut_runs`` more for
    delta debugging when over 3 preemptions are left."""
    cut = _Cut(found, run)
    # The leading preemptions, then no more: the run goes on its own way after them.
    fewer_preemptions(found.decisions, found.at[: max_runs // 3], cut.still_fails)
    span = len(found.decisions)
    for bound in range(1, 4):
        tries = (max_runs - cut.runs) // (4 - bound)
        for attempt in range(tries):
            if len(cut.best.at) <= bound:
                break
            if cut.still_fails(Bounded(seed * 1000 + bound * 100 + attempt, bound, span)):
                break
    if len(cut.best.at) > 3:  # the same way, with fewer preemptions
        cut.ddmin(until_runs=cut.runs + cut_runs)
    return cut.best if cut.best is not found else None


class _Cut:
    """The search state: the best failing run so far and the runs spent."""

    def __init__(self, found: Tried, run: Callable[[Strategy], Tried]) -> None:
        self.best, self.run, self.runs = found, run, 0

    def still_fails(self, strategy: Strategy) -> bool:
        self.runs += 1
        tried = self.run(strategy)
        if tried.fails and len(tried.at) < len(self.best.at):
            self.best = tried
        return tried.fails

    def kept_only(self, kept: list[int]) -> bool:
        """Whether the best run with only its preemptions ``kept`` (decision indexes)
        still fails; if so, that run is the best one (it preempts only where kept)."""
        best = self.best
        keys = keys_of(best.deciders)
        preempting = set(best.at)
        switches = {keys[i]: best.decisions[i] for i in kept}
        handoffs = {
            keys[i]: chosen for i, chosen in enumerate(best.decisions) if i not in preempting
        }
        return self.still_fails(Keyed(switches, handoffs))

    def ddmin(self, *, until_runs: int) -> None:
        """Delta debugging of the best run's preemptions until ``until_runs`` runs."""
        chunks = 2
        while len(self.best.at) >= 2 and self.runs < until_runs:
            at = self.best.at
            size = -(-len(at) // chunks)
            parts = [at[i : i + size] for i in range(0, len(at), size)]
            complements = [[p for p in at if p not in part] for part in parts]
            for subset in parts + (complements if len(parts) > 2 else []):
                if self.runs >= until_runs:
                    return
                if self.kept_only(subset):
                    chunks = 2 if subset in parts else max(chunks - 1, 2)
                    break
            else:
                if chunks >= len(at):
                    return
                chunks = min(len(at), 2 * chunks)


def fewer_preemptions(
    decisions: list[int], at: list[int], still_fails: Callable[[Strategy], bool]
) -> int | None:
    """The fewest leading preemptions of a failing schedule that still fail, or None.

    ``at``: where its preemptions are (:attr:`Counted.at`); ``still_fails`` runs a
    strategy and says whether the run shows the same defect.  Tries keeping none of
    them, then the first, the first two, ...: a linear search of ``len(at)`` runs at most.
    """
    for kept in range(len(at)):
        if still_fails(Guided(decisions[: at[kept]])):
            return kept
    return None
