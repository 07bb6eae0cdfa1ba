"""Scheduling points inside the target's own code, for the controlled scheduler.

The scheduler chooses who runs next at every synchronisation point (a lock, a queue,
a sleep, a thread start or join).  A race on plain shared data (``batch.extend(x)``
... ``batch.clear()`` with no lock between) has no such point inside its window, so
:class:`LinePoints` adds one at every line of the target's code: the strategy may
switch threads there, and the decision is recorded like any other, so a replay meets
the same points.

Invariants:

* Only the target's code gets points: the same file filter as the real-threads
  preemption (:class:`stress.trial.preempt.FileFilter`: not the standard library, not
  the harness, site-packages kept).
* A point is taken only by a thread of the run under way, while the run is not being
  aborted; any other thread's events are ignored.
* Mechanism: ``sys.monitoring`` LINE events on 3.12+ (a location outside the target is
  disabled after its first event), ``sys.settrace``/``threading.settrace`` on 3.11.
  Process-wide: started and stopped around each schedule in a trial's child.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType
from typing import Any

from stress.scheduled import _real
from stress.scheduled.scheduler import RECORDS
from stress.trial.preempt import MECHANISM, FileFilter, unwatch, watch_lines


class LinePoints:
    """A scheduling point at each line (and with ``opcodes``, each bytecode) of the
    target's code (see the module doc)."""

    def __init__(self, *, opcodes: bool = False) -> None:
        self.opcodes = opcodes  # points between bytecodes too, not only at lines
        self._selected = FileFilter()
        self._tool: int | None = None
        self.events = 0

    def _point(self) -> None:
        rec = RECORDS.get(_real.get_ident())
        if rec is None or rec.sched.aborting or rec.sched.running is not rec:
            return
        self.events += 1
        rec.sched.point(rec, "line")

    def _global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self._selected(frame.f_code.co_filename):
            return None
        if self.opcodes:
            frame.f_trace_opcodes = True
        return self._local_trace

    def _local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event in ("line", "opcode"):
            self._point()
        return self._local_trace

    def _on_line(self, code: CodeType, where: int) -> Any:
        if not self._selected(code.co_filename):
            return sys.monitoring.DISABLE  # type: ignore[attr-defined, unused-ignore]
        self._point()
        return None

    def start(self) -> None:
        if MECHANISM == "settrace":
            threading.settrace(self._global_trace)  # the run's threads are all Threads
            return
        self._tool = watch_lines("stress-scheduled-points", self._on_line, opcodes=self.opcodes)

    def stop(self) -> None:
        if MECHANISM == "settrace":
            sys.settrace(None)
            threading.settrace(None)
            return
        if self._tool is not None:
            unwatch(self._tool)
            self._tool = None
