"""LOST without ``--expect``: the same items giving fewer results in one trial than another.

Invariant: trials of one item group (:func:`stress.forms.fixed.items.group_of`) get the same
items, so a correct pipeline returns the same number of results in each of them that
returns normally.  :class:`Tally` keeps, per group, the trial with the fewest and the
one with the most results; as soon as they differ, :meth:`Tally.record` names the
trial with fewer as LOST, with the other as its reference.  Only trials that returned
normally, with no injected fault, are recorded (a raising trial's results are partial).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Seen(Generic[T]):
    """One recorded trial: its number, how many results it returned, and its record."""

    k: int
    count: int
    record: T


@dataclass(frozen=True)
class Shortfall(Generic[T]):
    """``lossy`` returned fewer results than ``reference`` for the same items."""

    group: int
    lossy: Seen[T]
    reference: Seen[T]

    @property
    def lost(self) -> int:
        return self.reference.count - self.lossy.count

    def lines(self) -> list[str]:
        return [
            f"the same items gave {self.reference.count} result(s) in trial "
            f"k={self.reference.k} and {self.lossy.count} in trial k={self.lossy.k}",
            "results were not compared with expected values (no --expect): "
            f"at least {self.lost} result(s) were lost in trial k={self.lossy.k}",
        ]


class Tally(Generic[T]):
    """Fewest and most results per item group."""

    def __init__(self) -> None:
        self._fewest: dict[int, Seen[T]] = {}
        self._most: dict[int, Seen[T]] = {}

    def record(self, group: int, k: int, count: int, record: T) -> Shortfall[T] | None:
        """Add a trial that returned normally; a :class:`Shortfall` once counts differ."""
        seen = Seen(k, count, record)
        fewest, most = self._fewest.get(group), self._most.get(group)
        if fewest is None or count < fewest.count:
            self._fewest[group] = fewest = seen
        if most is None or count > most.count:
            self._most[group] = most = seen
        if fewest.count < most.count:
            return Shortfall(group, fewest, most)
        return None
