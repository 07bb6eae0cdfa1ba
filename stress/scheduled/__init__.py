"""Deterministic mode's core: a controlled scheduler for a target's real threads.

May import: nothing of stress (a trial executor in stress/trial will import it).
Status: built and tested on its own; not yet wired into the search or the CLI.
"""

from __future__ import annotations

from stress.scheduled import _real  # noqa: F401 - first: saves the real primitives
from stress.scheduled.run import ControlledOutcome, run_controlled
from stress.scheduled.standins import install
from stress.scheduled.strategies import PCT, RandomWalk, Replay, draw

__all__ = ["PCT", "ControlledOutcome", "RandomWalk", "Replay", "draw", "install", "run_controlled"]
