"""Preemptions: counting them in a schedule, and schedules with fewer of them.

A *preemption* is a decision that switches away from the thread making it while that
thread could go on (it is among the enabled ones): the interleavings a race needs.
A switch because the running thread blocks or ends is no preemption.  Studies of real
concurrency bugs (SCTBench) find most need one to three.

:class:`Counted` wraps any strategy and records where its preemptions are;
:class:`Guided` replays a prefix of a schedule's decisions and then runs without
preempting (the running thread goes on while it can; else the lowest-numbered
enabled thread), so a prefix that ends just before a schedule's n-th preemption
gives a schedule with at most n - 1 of them (:func:`fewer_preemptions`).
"""

from __future__ import annotations

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
        me = _deciding()
        chosen = self.inner.choose(enabled)
        if me is not None and me in enabled and chosen != me:
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
