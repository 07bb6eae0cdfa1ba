"""Preemptions: counting them in a schedule, and schedules with fewer of them.

A *preemption* is a decision that switches away from the thread making it while that
thread could go on (it is among the enabled ones): the interleavings a race needs.
A switch because the running thread blocks or ends is no preemption.  Studies of real
concurrency bugs (SCTBench) find most need one to three.

:class:`Counted` wraps any strategy and records where its preemptions are;
:class:`Guided` replays a prefix of a schedule's decisions and then runs without
preempting (the running thread goes on while it can; else the lowest-numbered
enabled thread), so a prefix that ends just before a schedule's n-th preemption
gives a schedule with at most n - 1 of them (:func:`fewer_preemptions`);
:class:`Bounded` makes at most a given number of preemptions, at random points
(:func:`fewest_preemptions` tries 1, 2, then 3).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from stress.scheduled import _real
from stress.scheduled.scheduler import RECORDS, Strategy


def _deciding() -> int | None:
    """The index of the thread asking for a decision (the one running), if known."""
    rec = RECORDS.get(_real.get_ident())
    return None if rec is None else rec.index


class Counted:
    """``inner``, with the decision indexes at which it preempted (``at``)."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner
        self.at: list[int] = []
        self._decisions = 0

    def choose(self, enabled: list[int]) -> int:
        rec = RECORDS.get(_real.get_ident())  # _deciding(), inlined: every decision
        chosen = self.inner.choose(enabled)
        if rec is not None and chosen != rec.index and rec.index in enabled:
            self.at.append(self._decisions)
        self._decisions += 1
        return chosen

    def new_thread(self, index: int) -> None:
        self.inner.new_thread(index)

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.inner, "describe", None)
        return describe() if callable(describe) else {"kind": type(self.inner).__name__}


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


#: What a search for fewer preemptions learns from one run: whether it still shows
#: the defect, and if so its decisions and where its preemptions are.
Tried = tuple[bool, list[int], list[int]]


def fewest_preemptions(
    decisions: list[int],
    at: list[int],
    run: Callable[[Strategy], Tried],
    *,
    max_runs: int,
    seed: int = 0,
) -> tuple[list[int], list[int]] | None:
    """A schedule with fewer preemptions that still shows the defect, or None.

    First the leading preemptions only (:func:`fewer_preemptions`); then schedules
    with at most 1, 2, ... preemptions at random points (:class:`Bounded`, seeded
    from ``seed``), fewer than the best so far, until ``max_runs`` runs in all.
    """
    runs = 0
    best: tuple[list[int], list[int]] | None = None

    def still_fails(strategy: Strategy) -> bool:
        nonlocal runs, best
        runs += 1
        fails, got, where = run(strategy)
        if fails and len(where) < len(best[1] if best else at):
            best = (got, where)
        return fails

    fewer_preemptions(decisions, at[: max_runs // 3], still_fails)
    span = len(decisions)
    for bound in range(1, 4):
        tries = (max_runs - runs) // (4 - bound)
        for attempt in range(tries):
            if len(best[1] if best else at) <= bound:
                return best
            if still_fails(Bounded(seed * 1000 + bound * 100 + attempt, bound, span)):
                break
    return best


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
