"""The wait-for table of a deadlocked run: each blocked thread, what it waits on, who holds it.

Built by the thread that finds the deadlock, while every other controlled thread is
parked, so each stack is still where its thread blocked.  A row names the primitive
(``ControlledLock#3``, the same name in every replay), its holder when it is a lock,
the standard-library call the target made when it is one we recognise
(``Queue.get (qsize=0, maxsize=0)``, ``Barrier.wait (1 of 2 arrived)``,
``Event.wait``, ``Condition.wait``, ``Semaphore.acquire``, ``Thread.join``,
``Future.result``, ``SimpleQueue.get``) and the target's own line that made it.
:func:`find_cycle` follows "waits for a lock held by" edges.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from types import FrameType
from typing import Any

from stress.scheduled.scheduler import Scheduler, ThreadRecord

_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])
_OURS = os.path.dirname(os.path.realpath(__file__))


def thread_name(rec: ThreadRecord) -> str:
    """``threading``'s name for the thread, with its index (0 is the caller)."""
    import threading  # noqa: PLC0415

    thread = threading._active.get(rec.ident or 0)  # type: ignore[attr-defined]
    if rec.index == 0:
        return "caller (thread 0)"
    name = thread.name if thread is not None else "?"
    return f"{name} (thread {rec.index})"


def _is_library(path: str) -> bool:
    real = os.path.realpath(path)
    if real.startswith(_OURS):
        return True
    return real.startswith(_STDLIB) and "site-packages" not in real


def _recognise(frame: FrameType) -> str | None:
    """What a standard-library frame waits in, said in its API's words, if we know it."""
    code = frame.f_code.co_name
    self: Any = frame.f_locals.get("self")
    if self is None:
        return None
    kind = type(self).__name__
    # Sizes are read without the objects' locks: those are stand-ins, and taking one
    # here would be a synchronisation point inside the scheduler.
    if code in ("get", "put") and hasattr(self, "maxsize") and hasattr(self, "_qsize"):
        return f"{kind}.{code} (qsize={self._qsize()}, maxsize={self.maxsize})"
    if code == "get" and kind == "ControlledSimpleQueue":
        return f"SimpleQueue.get (qsize={self.qsize()})"
    if code == "wait" and hasattr(self, "parties") and hasattr(self, "n_waiting"):
        return f"{kind}.wait ({self.n_waiting} of {self.parties} arrived)"
    if code in ("wait", "wait_for") and kind in ("Event", "Condition"):
        return f"{kind}.{code}"
    if code == "acquire" and kind in ("Semaphore", "BoundedSemaphore"):
        return f"{kind}.acquire (value {getattr(self, '_value', '?')})"
    if code == "join" and hasattr(self, "is_alive") and hasattr(self, "name"):
        return f"Thread.join ({self.name})"
    if code == "result" and kind == "Future":
        return "Future.result"
    return None


def _where(frame: FrameType | None) -> tuple[str | None, str]:
    """(the recognised call, the target's line) walking out from the innermost frame."""
    api: str | None = None
    innermost = "?"
    while frame is not None:
        path = frame.f_code.co_filename
        line = f"{path}:{frame.f_lineno} in {frame.f_code.co_name}"
        if not _is_library(path):
            return api, line
        if innermost == "?" and not os.path.realpath(path).startswith(_OURS):
            innermost = line
        api = _recognise(frame) or api
        frame = frame.f_back
    return api, innermost  # library code only (a pool's own thread): where it is


def _holder(obj: Any) -> ThreadRecord | None:
    holder = getattr(obj, "_owner", None)
    if not isinstance(holder, ThreadRecord):
        holder = getattr(obj, "_holder", None)
    return holder if isinstance(holder, ThreadRecord) else None


def wait_for_table(sched: Scheduler) -> list[dict[str, Any]]:
    """One row per live thread of ``sched`` (see the module docstring)."""
    try:
        return _rows(sched)
    except Exception as error:  # the table informs; it must never spoil the verdict
        return [
            {
                "thread": "?",
                "waits": "",
                "on": "",
                "holder": "",
                "call": "",
                "at": f"no wait-for table: {type(error).__name__}: {error}",
            }
        ]


def _rows(sched: Scheduler) -> list[dict[str, Any]]:
    frames = sys._current_frames()
    rows: list[dict[str, Any]] = []
    for rec in sched.live:
        api, line = _where(frames.get(rec.ident or 0))
        on = rec.blocker
        holder = _holder(on) if rec.kind == "lock" else None
        if holder is rec:  # a condition's waiter lock, taken by its own waiter
            holder, on = None, None
        row: dict[str, Any] = {
            "thread": thread_name(rec),
            "waits": rec.kind or "runnable",
            "on": sched.label(on) if on is not None and rec.kind in ("lock", "get") else "",
            "holder": thread_name(holder) if holder is not None else "",
            "call": api or "",
            "at": line,
        }
        if rec.kind == "join" and isinstance(on, ThreadRecord):
            row["on"] = thread_name(on)
        rows.append(row)
    return rows


def find_cycle(rows: list[dict[str, Any]]) -> list[str]:
    """Threads that wait, lock by lock, for each other (first cycle found), else []."""
    edges = {r["thread"]: r["holder"] for r in rows if r["holder"] and r["holder"] != r["thread"]}
    for start in edges:
        path, node = [start], edges.get(start)
        while node is not None and node not in path:
            path.append(node)
            node = edges.get(node)
        if node is not None:
            return path[path.index(node) :]
    return []


def format_table(rows: list[dict[str, Any]]) -> list[str]:
    """The table as report lines."""
    lines = []
    for r in rows:
        what = r["call"] or f"{r['waits']} {r['on']}".strip()
        held = f", held by {r['holder']}" if r["holder"] else ""
        on = f" on {r['on']}" if r["on"] else ""  # a lock's or queue's label, when it has one
        lines.append(f"{r['thread']}: waits in {what}{on}{held} at {r['at']}")
    return lines
