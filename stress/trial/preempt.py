"""Seeded preemption at trace events inside the target's own code.

Since CPython 3.10 a thread gives up the GIL only at calls and backward jumps, so a
read and a write a few bytecodes apart (``n = self.left`` ... ``self.left = n - 1``)
are never split by ``sys.setswitchinterval`` alone.  A :class:`Preempter` watches line
events (and opcode events when ``opcodes`` is set) in the target's code and, at a
seeded subset of them, makes the running thread yield the GIL (``hold_us == 0``) or
sleep briefly (a *hold*), so another thread runs inside that window.

Invariants:

* Only the target's code is traced: files under the standard library (site-packages
  excepted: a released library is the user's code), the harness's own package and its
  helpers, and synthetic files (``<frozen ...>``, ``<string>``) are skipped unless a
  prefix in ``include`` names them.
* Which events are preemption points is a pure function of (seed, k, the thread's
  rank, the event's index in that thread): rank r is the r-th thread to reach a traced
  event.  A thread whose events are the same in two runs (a deterministic function on
  one thread) is preempted at the same events in both; :attr:`Preempter.log` records
  them when asked.
* A trial is slowed by about ``max_hold`` seconds of preemption at most (measured: a
  yield may cost a whole switch interval; past the bound points are only counted), plus
  the tracing itself (a few us per traced event), so preemption never turns a slow
  trial into a false HANG.
* Mechanism: ``sys.monitoring`` (PEP 669) on Python 3.12+, where an untraced location
  is disabled after its first event and costs nothing after; ``sys.settrace`` with
  ``threading.settrace`` on 3.11, where untraced frames get no local tracer.
  :attr:`Preempter.mechanism` says which ran.  Both are process-wide: start a
  preempter only in a trial's child (or in a test that stops it).
"""

from __future__ import annotations

import functools
import math
import os
import random
import site
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

#: The mechanism :class:`Preempter` uses by default on this interpreter.
MECHANISM = "monitoring" if sys.version_info >= (3, 12) else "settrace"
#: Packages whose code is the harness's, never the target's.
_HARNESS_PACKAGES = ("stress", "tqdm", "hypothesis", "_pytest", "pytest", "pluggy", "coverage")


@dataclass(frozen=True)
class Plan:
    """Where and how hard to preempt; ``share == 0`` means no preemption at all."""

    seed: int
    k: int
    share: float  # chance that one traced event is a preemption point
    hold_us: float = 0.0  # 0: yield the GIL; else sleep about this long (0.5x to 1.5x)
    opcodes: bool = False  # also stop between bytecodes, not only between lines
    include: tuple[str, ...] = ()  # path prefixes traced even where the filter skips
    max_hold: float = 0.3  # seconds spent preempted per process; past it, points only count


@functools.cache
def _harness_roots() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(prefixes skipped, prefixes that override the skip): stdlib vs site-packages.
    Computed once a process (sysconfig's expansion cost 0.4 ms a schedule)."""
    paths = sysconfig.get_paths()
    skipped = {paths["stdlib"], paths["platstdlib"]}
    kept = {paths["purelib"], paths["platlib"], *site.getsitepackages()}
    user = site.getusersitepackages()
    if isinstance(user, str):
        kept.add(user)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the stress package
    skipped.add(here)
    for root in kept:
        skipped.update(os.path.join(root, name) for name in _HARNESS_PACKAGES)
    sep = os.sep
    return (
        tuple(sorted(p.rstrip(sep) + sep for p in skipped)),
        tuple(sorted(p.rstrip(sep) + sep for p in kept)),
    )


class FileFilter:
    """Decides, once per file name, whether a code object is the target's."""

    def __init__(self, include: tuple[str, ...] = ()) -> None:
        self._skipped, self._kept = _harness_roots()
        self._include = include
        self._cache: dict[str, bool] = {}

    def __call__(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is None:
            known = self._cache[filename] = self._decide(filename)
        return known

    def _decide(self, filename: str) -> bool:
        if any(filename.startswith(prefix) for prefix in self._include):
            return True
        if filename.startswith("<"):
            return False
        path = os.path.abspath(filename)
        skip = max((len(p) for p in self._skipped if path.startswith(p)), default=-1)
        keep = max((len(p) for p in self._kept if path.startswith(p)), default=-1)
        # The longest matching prefix wins: site-packages inside the stdlib tree is kept,
        # the harness's packages inside site-packages are skipped.
        return skip < 0 or keep > skip


class _Thread:
    """One thread's stream: its rank's RNG, events seen, events until the next point."""

    __slots__ = ("events", "gap", "points", "rank", "rng")

    def __init__(self, rank: int, rng: random.Random) -> None:
        self.rank, self.rng = rank, rng
        self.events = self.points = 0
        self.gap = 0


class Preempter:
    """Preempts the target's threads at seeded trace events; see the module docstring."""

    def __init__(self, plan: Plan, *, mechanism: str | None = None, log: bool = False) -> None:
        self.plan = plan
        self.mechanism = mechanism or MECHANISM
        if self.mechanism not in ("monitoring", "settrace"):
            raise ValueError(f"unknown mechanism {self.mechanism!r}")
        if self.mechanism == "monitoring" and sys.version_info < (3, 12):
            raise ValueError("sys.monitoring needs Python 3.12+")
        self.log: dict[int, list[int]] | None = {} if log else None  # rank -> event indices
        self._selected = FileFilter(plan.include)
        self._threads: list[_Thread] = []  # every thread's stream, in rank order
        self._local = threading.local()  # this thread's stream (idents are reused)
        self._lock = threading.Lock()
        self._tool: int | None = None
        self._active = False
        self._hold = max(0.0, plan.hold_us) * 1e-6
        self._held = 0.0  # seconds spent preempted so far (racy sum: a bound, not an account)

    # -- the per-event decision (hot path) -----------------------------------------

    def _thread(self) -> _Thread:
        with self._lock:
            rank = len(self._threads)
            rng = random.Random(f"{self.plan.seed}:{self.plan.k}:preempt:{rank}")
            state = _Thread(rank, rng)
            state.gap = self._gap(rng)
            self._threads.append(state)
        self._local.state = state
        return state

    def _gap(self, rng: random.Random) -> int:
        """Events up to and including the next point: geometric with mean 1/share."""
        share = self.plan.share
        if share >= 1.0:
            return 1
        if share <= 0.0:
            return sys.maxsize
        return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - share))

    def _event(self) -> None:
        state = getattr(self._local, "state", None) or self._thread()
        state.events += 1
        state.gap -= 1
        if state.gap > 0 or not self._active:
            return
        state.gap = self._gap(state.rng)
        state.points += 1
        if self.log is not None:
            self.log.setdefault(state.rank, []).append(state.events)
        pause = self._hold * (0.5 + state.rng.random())
        if self._held >= self.plan.max_hold:
            return  # this trial has been slowed enough: points are only counted now
        began = time.perf_counter()
        if pause:
            time.sleep(pause)  # noqa: TID251 -- the harness's preemption
        else:
            os.sched_yield()  # releases the GIL; getting it back may take a switch interval
        self._held += time.perf_counter() - began

    # -- sys.settrace (3.11, or on request) ----------------------------------------

    def _global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self._selected(frame.f_code.co_filename):
            return None
        if self.plan.opcodes:
            frame.f_trace_opcodes = True
        return self._local_trace

    def _local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event in {"line", "opcode"}:
            self._event()
        return self._local_trace

    # -- sys.monitoring (3.12+) ----------------------------------------------------

    def _on_event(self, code: CodeType, where: int) -> Any:
        if not self._selected(code.co_filename):
            return sys.monitoring.DISABLE  # type: ignore[attr-defined, unused-ignore]
        self._event()
        return None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        """Begin tracing: this thread now, threads started later as they start."""
        if self.plan.share <= 0:
            return
        self._active = True
        if self.mechanism == "settrace":
            threading.settrace(self._global_trace)
            sys.settrace(self._global_trace)
            return
        self._tool = watch_lines("stress-preempt", self._on_event, opcodes=self.plan.opcodes)

    def stop(self) -> None:
        """Stop preempting everywhere; threads already traced (3.11) see no more points."""
        self._active = False
        if self.mechanism == "settrace":
            sys.settrace(None)
            threading.settrace(None)
            return
        if self._tool is not None:
            unwatch(self._tool)
            self._tool = None

    def stats(self) -> dict[str, int]:
        """Traced events, preemption points and threads seen so far."""
        with self._lock:
            states = list(self._threads)
        return {
            "preempt_events": sum(s.events for s in states),
            "preempt_points": sum(s.points for s in states),
            "preempt_threads": len(states),
        }


def watch_lines(
    name: str, callback: Any, *, opcodes: bool, fresh: bool = True, on_instruction: Any = None
) -> int:
    """``sys.monitoring`` (3.12+): ``callback(code, offset)`` at every LINE event, and
    every INSTRUCTION with ``opcodes`` (``on_instruction`` there, if given), under a free
    tool id named ``name`` (returned).  ``fresh``: no location is left disabled by an
    earlier tool (see :func:`unwatch`)."""
    mon: Any = sys.monitoring  # type: ignore[attr-defined, unused-ignore]
    if fresh:
        mon.restart_events()
    tool = next((t for t in (4, 3, 5, 2) if mon.get_tool(t) is None), None)
    if tool is None:
        raise RuntimeError(f"no free sys.monitoring tool id for {name}")
    mon.use_tool_id(tool, name)
    events = mon.events.LINE
    mon.register_callback(tool, mon.events.LINE, callback)
    if opcodes:
        events |= mon.events.INSTRUCTION
        mon.register_callback(tool, mon.events.INSTRUCTION, on_instruction or callback)
    mon.set_events(tool, events)
    return int(tool)


def unwatch(tool: int, *, restart: bool = True) -> None:
    """Undo :func:`watch_lines`: no more events, the tool id free again.  ``restart``:
    locations a callback disabled (``DISABLE``) see events again; without it they stay
    disabled for the next tool, which suits a caller whose callback would disable them
    again (its filter decides by file name alone)."""
    mon: Any = sys.monitoring  # type: ignore[attr-defined, unused-ignore]
    mon.set_events(tool, 0)
    mon.register_callback(tool, mon.events.LINE, None)
    mon.register_callback(tool, mon.events.INSTRUCTION, None)
    mon.free_tool_id(tool)
    if restart:
        mon.restart_events()


#: Seconds of preemption holds per trial, at most (then points only yield).
MAX_HOLD = 0.2
#: Path prefixes (``os.pathsep``-separated) to preempt in even where the filter skips
#: (the standard library, the harness): the opt-in of :class:`Plan`.
INCLUDE_ENV = "STRESS_PREEMPT_INCLUDE"


def plan(config: Any) -> Plan | None:
    """The preemption plan a config asks for, or ``None``."""
    share = float(getattr(config, "preempt", 0.0) or 0.0)
    if share <= 0:
        return None
    return Plan(
        seed=config.seed,
        k=config.k,
        share=share,
        hold_us=float(getattr(config, "preempt_hold_us", 0.0)),
        opcodes=bool(getattr(config, "preempt_ops", False)),
        include=tuple(p for p in os.environ.get(INCLUDE_ENV, "").split(os.pathsep) if p),
        max_hold=MAX_HOLD,
    )


def start(config: Any) -> Preempter | None:
    """Start the config's preemption (in a trial's child, just before the call)."""
    chosen = plan(config)
    if chosen is None:
        return None
    preempter = Preempter(chosen)
    preempter.start()
    return preempter


def stop(preempter: Preempter | None) -> dict[str, int]:
    """Stop it; the counts a verdict carries (``preempt_points`` and friends)."""
    if preempter is None:
        return {}
    preempter.stop()
    return preempter.stats()
