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
  disabled after its first event; one tool for the process's life, see
  :class:`_Monitor`), ``sys.settrace``/``threading.settrace`` on 3.11.  Points are
  taken between :meth:`LinePoints.start` and :meth:`LinePoints.stop`, around each
  schedule in a trial's child.
* Between bytecodes, a point comes before each bytecode but those that touch only the
  running frame (:data:`FRAME_ONLY`: its locals, constants and stack, or a jump within
  it).  A switch just before one of those is the same interleaving as a switch before
  the next bytecode that is not one: nothing another thread does changes what they do,
  and they change nothing another thread sees.  ``left[k] -= 1`` keeps its points at
  the cell's load, the subscript, the subtraction and the store.  On 3.12+ such a
  location is disabled after its first event (the same in every schedule and replay).
"""

from __future__ import annotations

import dis
import sys
import threading
from types import CodeType, FrameType
from typing import Any

from stress.scheduled import _real
from stress.scheduled.scheduler import RECORDS
from stress.trial.preempt import MECHANISM, FileFilter, unwatch, watch_lines

_record_of = RECORDS.get
_get_ident = _real.get_ident

#: Opcodes that read or write only the running frame (see the module doc), on every
#: supported version (names a version lacks are skipped).  Not among them: cells
#: (``LOAD_DEREF``: shared with closures), ``DELETE_FAST``, calls, returns, operators.
FRAME_ONLY = frozenset(
    dis.opmap[name]
    for name in (
        "LOAD_FAST",
        "LOAD_FAST_CHECK",
        "LOAD_FAST_AND_CLEAR",
        "LOAD_FAST_LOAD_FAST",
        "LOAD_FAST_BORROW",
        "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
        "STORE_FAST",
        "STORE_FAST_LOAD_FAST",
        "STORE_FAST_STORE_FAST",
        "STORE_FAST_MAYBE_NULL",
        "LOAD_CONST",
        "LOAD_SMALL_INT",
        "POP_TOP",
        "PUSH_NULL",
        "COPY",
        "SWAP",
        "NOP",
        "RESUME",
        "EXTENDED_ARG",
        "CACHE",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "NOT_TAKEN",
        "KW_NAMES",
    )
    if name in dis.opmap
)


class LinePoints:
    """A scheduling point at each line (and with ``opcodes``, each bytecode) of the
    target's code (see the module doc)."""

    def __init__(self, *, opcodes: bool = False) -> None:
        self.opcodes = opcodes  # points between bytecodes too, not only at lines
        self._selected = FileFilter()
        self._files: dict[str, bool] = {}  # the filter's answers, without its call
        self.events = 0

    # The callbacks below run at every line (bytecode) of the target and, on 3.11, at
    # every call of every frame of the run's threads: the point is inlined in each
    # (a thread of the run under way, not aborting, the running one).
    def _global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        selected = self._files.get(filename)
        if selected is None:
            selected = self._files[filename] = self._selected(filename)
        if not selected:
            return None
        if self.opcodes:
            frame.f_trace_opcodes = True
        return self._local_trace

    def _local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" or (
            event == "opcode" and frame.f_code.co_code[frame.f_lasti] not in FRAME_ONLY
        ):
            rec = _record_of(_get_ident())
            if rec is not None and not rec.sched.aborting and rec.sched.running is rec:
                self.events += 1
                rec.sched.point(rec, "line")
        return self._local_trace

    def start(self) -> None:
        if MECHANISM == "settrace":
            threading.settrace(self._global_trace)  # the run's threads are all Threads
            return
        _MONITOR.watch(self)

    def stop(self) -> None:
        if MECHANISM == "settrace":
            sys.settrace(None)
            threading.settrace(None)
            return
        _MONITOR.active = None


class _Monitor:
    """The ``sys.monitoring`` side (3.12+): one tool for the process's life, whose
    events only grow (LINE, then INSTRUCTION once a schedule takes bytecode points).

    Why never unregistered: a change of the events re-instruments every code object
    that runs next, and brings back every location a callback had disabled, each to be
    disabled again by a callback.  Toggled per schedule, that cost a bytecode-points
    schedule after others 24.8 ms on 3.14t (5.6 ms in a row of them) and 3.3 ms on
    3.14 (2.6 ms).  Between schedules, and in a schedule that takes no such points,
    the callbacks return at once (a location of the target's code stays enabled: it is
    a point in the next schedule that takes them).  Which locations are disabled is a
    function of the code alone (file name, opcode), so a replay in a fresh child meets
    the same points as the search's child whatever ran before.
    """

    def __init__(self) -> None:
        self.active: LinePoints | None = None  # the schedule's points, while one runs
        self.tool: int | None = None
        self.opcodes = False  # INSTRUCTION events are on
        self._selected = FileFilter()
        self._files: dict[str, bool] = {}  # the filter's answers, without its call

    def watch(self, points: LinePoints) -> None:
        if self.tool is None or (points.opcodes and not self.opcodes):
            if self.tool is not None:
                unwatch(self.tool, restart=False)
            self.opcodes = self.opcodes or points.opcodes
            self.tool = watch_lines(
                "stress-scheduled-points",
                self._on_line,
                opcodes=self.opcodes,
                fresh=False,
                on_instruction=self._on_instruction,
            )
        self.active = points

    def _is_target(self, filename: str) -> bool:
        selected = self._files.get(filename)
        if selected is None:
            selected = self._files[filename] = self._selected(filename)
        return selected

    def _on_line(self, code: CodeType, where: int) -> Any:
        filename = code.co_filename  # _is_target inlined: every line of the target
        selected = self._files.get(filename)
        if selected is None:
            selected = self._files[filename] = self._selected(filename)
        if not selected:
            return sys.monitoring.DISABLE  # type: ignore[attr-defined, unused-ignore]
        points = self.active
        if points is None:
            return None
        rec = _record_of(_get_ident())
        if rec is not None and not rec.sched.aborting and rec.sched.running is rec:
            points.events += 1
            rec.sched.point(rec, "line")
        return None

    def _on_instruction(self, code: CodeType, where: int) -> Any:
        if code.co_code[where] in FRAME_ONLY:
            return sys.monitoring.DISABLE  # type: ignore[attr-defined, unused-ignore]
        points = self.active
        if points is not None and points.opcodes:
            return self._on_line(code, where)
        # No point in this schedule: the target's locations stay armed for the next one.
        if self._is_target(code.co_filename):
            return None
        return sys.monitoring.DISABLE  # type: ignore[attr-defined, unused-ignore]


_MONITOR = _Monitor()
