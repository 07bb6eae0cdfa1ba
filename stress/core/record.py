"""What one trial showed, as the parent reads it from the trial's child: :class:`TrialRecord`.

Shared by every layer (the trial that makes it, the search and forms that read it, the
report that prints it); it imports only the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stress.core.config import TrialConfig


@dataclass(frozen=True)
class ChildShrink:
    """A deterministic-mode trial's child shrank its find's configuration itself."""

    steps: tuple[str, ...]  # the simplifications kept, in order
    runs: int  # batches of schedules run, one a candidate
    #: No candidate of the last configuration fails: the search's shrink has nothing to
    #: add.  False when the child's share of time ran out first.
    finished: bool


@dataclass
class TrialRecord:
    """What one trial showed; ``category`` is ``None`` when it passed (or was skipped)."""

    config: TrialConfig
    category: str | None = None
    summary: str = ""
    details: list[str] = field(default_factory=list)
    skipped: bool = False
    duration: float = 0.0  # seconds from the call to its return, raise or hang verdict
    wall: float = 0.0  # seconds the whole trial took, fork to reap
    counts: dict[str, int] = field(default_factory=dict)  # expected, returned, lost, ...
    output: str = ""  # the end of what the target printed
    unconfirmed: bool = False  # a HANG still advancing at the watchdog's cap (slow or livelock)
    starved: bool = False  # unconfirmed, and its threads waited for a CPU (a loaded machine)
    #: The deterministic mode: the config with the failing schedule's decisions (what an
    #: exact replay token carries), or None.  ``config`` itself stays schedule-free, so
    #: shrinking's simpler neighbours search their own schedules.
    exact_config: TrialConfig | None = None
    #: The deterministic mode: why the scheduler could not control this trial (never a
    #: pass: the search falls back to real threads), or "".
    uncontrolled: str = ""
    #: The deterministic mode: how the trial's child shrank its find's configuration
    #: (``exact_config`` is the shrunk one); None when it did not.
    shrunk: ChildShrink | None = None

    @property
    def results_lost(self) -> int:
        return self.counts.get("lost", 0)

    @property
    def live_workers(self) -> int:
        return self.counts.get("live_workers", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "category": self.category,
            "summary": self.summary,
            "details": self.details,
            "skipped": self.skipped,
            "duration": round(self.duration, 4),
            "wall": round(self.wall, 4),
            "counts": self.counts,
            "output": self.output,
        }
