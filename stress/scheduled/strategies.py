"""Strategies: who runs next when two or more threads can, drawn from (seed, k).

A schedule is the list of those choices (thread indexes: 0 is the caller, then in the
order threads were started), so :class:`Replay` of a run's decisions re-runs the
identical interleaving.  Each strategy owns one private ``random.Random``; nothing
else is random, so (seed, k) fixes the schedule of a deterministic target.

* :class:`RandomWalk`: uniform among the enabled threads at every choice.
* :class:`PCT` (Burckhardt et al., ASPLOS 2010): threads get random distinct
  priorities as they start (a new one is inserted at a random rank), the highest
  enabled one runs, and at ``depth - 1`` random choice points (out of ``steps``, an
  estimate of the run's choices) the thread that would run drops below every other.
  It finds a bug of depth d with probability at least 1/(n * steps^(d-1)).
"""

from __future__ import annotations

import random
from typing import Any

#: What :func:`draw` picks, with weights: the random walk and PCT of depth 1 to 3.
PORTFOLIO: tuple[tuple[str, int, float], ...] = (
    ("random", 0, 0.4),
    ("pct", 1, 0.2),
    ("pct", 2, 0.2),
    ("pct", 3, 0.2),
)


class RandomWalk:
    """Uniform among the enabled threads at every choice."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._getrandbits = self._rng.getrandbits

    def choose(self, enabled: list[int]) -> int:
        # randrange(n) as random.py computes it on 3.11 to 3.14 (_randbelow_with_getrandbits),
        # without its three Python frames: the same draws, the same schedules.
        n = len(enabled)
        k = n.bit_length()
        r = self._getrandbits(k)
        while r >= n:
            r = self._getrandbits(k)
        return enabled[r]

    def new_thread(self, index: int) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"kind": "random", "seed": self.seed}


class PCT:
    """Priority-based: few preemptions, at random points (see the module docstring)."""

    def __init__(self, seed: int, depth: int, steps: int) -> None:
        if not 1 <= depth <= 3:
            raise ValueError(f"PCT depth must be 1 to 3, got {depth}")
        self.seed, self.depth, self.steps = seed, depth, max(1, steps)
        self._rng = random.Random(seed)
        self._order: list[int] = []  # highest priority first
        count = min(depth - 1, self.steps)
        self._changes = set(self._rng.sample(range(1, self.steps + 1), count))
        self._step = 0

    def new_thread(self, index: int) -> None:
        self._order.insert(self._rng.randrange(len(self._order) + 1), index)

    def choose(self, enabled: list[int]) -> int:
        self._step += 1
        best = self._highest(enabled)
        if self._step in self._changes:  # a priority change point: demote, re-pick
            self._order.remove(best)
            self._order.append(best)
            best = self._highest(enabled)
        return best

    def _highest(self, enabled: list[int]) -> int:
        """The enabled thread of highest priority (a loop: no generator frame)."""
        for t in self._order:
            if t in enabled:
                return t
        raise StopIteration  # as next() of an empty generator: every enabled thread has a rank

    def describe(self) -> dict[str, Any]:
        return {"kind": "pct", "seed": self.seed, "depth": self.depth, "steps": self.steps}


class Replay:
    """The recorded decisions, in order; -1 (no such thread: the run diverged) after them."""

    def __init__(self, decisions: list[int]) -> None:
        self.decisions = list(decisions)
        self.used = 0

    def choose(self, enabled: list[int]) -> int:
        if self.used >= len(self.decisions):
            return -1
        self.used += 1
        return self.decisions[self.used - 1]

    def new_thread(self, index: int) -> None:
        pass

    @property
    def complete(self) -> bool:
        """Every decision was used (with the run's status, what 'exact' means)."""
        return self.used == len(self.decisions)

    def describe(self) -> dict[str, Any]:
        return {"kind": "replay", "decisions": self.decisions}


Strategy = RandomWalk | PCT | Replay


def draw(seed: int, k: int, *, steps: int = 100, like: Strategy | None = None) -> Strategy:
    """Schedule ``k`` of a search seeded ``seed``: a strategy from :data:`PORTFOLIO`;
    ``like``: of that strategy's kind and depth (its own seed drawn as ever, so the
    draw that picked this kind anyway is the same strategy)."""
    rng = random.Random(f"{seed}:{k}:schedule")
    roll, total = rng.random(), 0.0
    kind, depth = PORTFOLIO[-1][0], PORTFOLIO[-1][1]
    for name, d, weight in PORTFOLIO:
        total += weight
        if roll < total:
            kind, depth = name, d
            break
    if isinstance(like, RandomWalk):
        kind = "random"
    elif isinstance(like, PCT):
        kind, depth = "pct", like.depth
    own_seed = rng.getrandbits(63)
    return RandomWalk(own_seed) if kind == "random" else PCT(own_seed, depth, steps)


def from_description(desc: dict[str, Any]) -> Strategy:
    """The strategy :meth:`describe` described (for reports and replays)."""
    if desc["kind"] == "random":
        return RandomWalk(int(desc["seed"]))
    if desc["kind"] == "pct":
        return PCT(int(desc["seed"]), int(desc["depth"]), int(desc["steps"]))
    if desc["kind"] == "replay":
        return Replay([int(d) for d in desc["decisions"]])
    raise ValueError(f"unknown strategy kind {desc['kind']!r}")
