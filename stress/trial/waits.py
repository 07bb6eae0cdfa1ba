"""Every thread's stack, labelled by thread name, and what each blocked thread waits on.

Invariant: read-only.  It looks at frames from ``sys._current_frames()`` and at the
objects their locals name, never calls anything that could block or take a lock a
stuck thread holds (``Queue.qsize()`` takes the queue's mutex, so sizes are read from
the underlying deque instead).  The wait is named from the innermost frame outward:
standard-library waits (``queue.Queue.get/put/join``, ``threading.Barrier.wait``,
``Event.wait``, ``Semaphore.acquire``, ``Thread.join``, ``Future.result``,
``concurrent.futures.wait``, an idle pool worker), else the object a C-level call on
the innermost line names (``lock.acquire()``, ``q.get()``, ``with lock:``, or a bound
method called bare, ``get()`` after ``get = q.get``).
"""

from __future__ import annotations

import functools
import linecache
import os
import re
import sys
import sysconfig
import threading
import traceback
import types
from collections.abc import Collection
from types import FrameType

_CALL = re.compile(r"([A-Za-z_][\w.]*)\.(get|put|acquire|wait|join|result|recv|read)\s*\(")
_WITH = re.compile(r"^\s*(?:async\s+)?with\s+([A-Za-z_][\w.]*)\s*(?::|as\b|,)")
#: A bare call, ``get()`` after ``get = q.get``: named by the C method's object.
_BARE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")
_WAIT_VERBS = frozenset({"get", "put", "acquire", "wait", "join", "result", "recv", "read"})


def describe_object(obj: object) -> str:
    """``module.Class at 0x...`` and, for sync objects, their state (without locking)."""
    cls = type(obj)
    label = f"{cls.__module__}.{cls.__qualname__} at {id(obj):#x}"
    extra = ""
    try:
        if hasattr(obj, "queue") and hasattr(obj, "maxsize"):
            extra = f"items={len(obj.queue)}, maxsize={obj.maxsize}"
            if hasattr(obj, "unfinished_tasks"):  # what Queue.join() waits for
                extra += f", unfinished tasks={obj.unfinished_tasks}"
        elif isinstance(obj, threading.Barrier):
            extra = f"parties={obj.parties}, waiting={obj.n_waiting}, broken={obj.broken}"
        elif isinstance(obj, threading.Thread):
            extra = f"name={obj.name!r}, alive={obj.is_alive()}"
        elif isinstance(obj, threading.Event):
            extra = f"set={obj.is_set()}"
        elif isinstance(obj, threading.Semaphore):
            extra = f"value={getattr(obj, '_value', '?')}"
        elif hasattr(obj, "_state") and hasattr(obj, "_condition"):  # a Future
            extra = f"state={obj._state}"
        elif hasattr(obj, "locked"):
            extra = f"locked={obj.locked()}"
        elif hasattr(obj, "qsize"):
            extra = f"items={obj.qsize()}"
    except Exception:  # a broken __getattr__ must not break the report
        extra = ""
    return f"{label} ({extra})" if extra else label


def resolve(name: str, frame: FrameType) -> object | None:
    """What a dotted name on a frame's line names (locals, then globals), or None."""
    head, *rest = name.split(".")
    obj: object = None
    for scope in (frame.f_locals, frame.f_globals):
        if head in scope:
            obj = scope[head]
            break
    else:
        return None
    for attr in rest:
        try:
            obj = object.__getattribute__(obj, attr)
        except Exception:
            return None
    return obj


_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])

#: (module file, function) of a standard-library wait -> its verb; ``self`` is the object.
_STDLIB_WAITS = {
    ("queue.py", "get"): "get from",
    ("queue.py", "put"): "put to",
    ("queue.py", "join"): "join of",
    ("threading.py", "wait"): "wait on",
    ("threading.py", "_wait"): "wait on",
    ("threading.py", "acquire"): "acquire",
    ("threading.py", "join"): "join of",
    ("_base.py", "result"): "result of",
    ("_base.py", "exception"): "exception of",
}


@functools.lru_cache(maxsize=4096)
def stdlib_file(filename: str) -> str | None:
    """``queue.py``, ``concurrent/futures/_base.py``... (the path under the standard
    library) if ``filename`` is a standard-library module, else None.

    Packages installed beside the standard library (``site-packages`` inside it, as
    in a system or Docker Python without a venv) are not standard library: a user's
    pipeline installed there is the user's code.
    """
    path = os.path.realpath(filename)
    if not path.startswith(_STDLIB + os.sep):
        return None
    relative = path[len(_STDLIB) + 1 :]
    if relative.startswith(("site-packages" + os.sep, "dist-packages" + os.sep)):
        return None
    return relative


def _stdlib_name(frame: FrameType) -> str | None:
    """``queue.py``, ``threading.py``, ``_base.py``... for standard-library frames."""
    relative = stdlib_file(frame.f_code.co_filename)
    return None if relative is None else os.path.basename(relative)


def waits_on(frame: FrameType) -> str | None:
    """What the thread whose innermost frame is ``frame`` waits on, if it can be told."""
    found: str | None = None
    current: FrameType | None = frame
    innermost = frame
    while current is not None:
        filename = _stdlib_name(current)
        if filename is None:
            innermost = current
            break  # left the standard library: the user's code called the wait
        name = current.f_code.co_name
        # Locals are read only at a known wait (another thread's frame: see the
        # module's docstring in stress.trial.deadlock on free-threaded builds).
        owner = current.f_locals.get("self") if (filename, name) in _STDLIB_WAITS else None
        if owner is not None:
            # Keep the outermost standard-library wait (Event.wait over Condition.wait).
            found = f"{_STDLIB_WAITS[filename, name]} {describe_object(owner)}"
        elif filename == "_base.py" and name in ("wait", "as_completed"):
            count = len(current.f_locals.get("fs", ()))
            found = f"concurrent.futures.{name}() over {count} futures"
        elif filename == "thread.py" and name == "_worker":
            found = found or "an idle ThreadPoolExecutor worker waiting for work"
        elif filename == "thread.py" and name == "shutdown":
            found = "ThreadPoolExecutor.shutdown(), joining its workers"
        current = current.f_back
    if found is not None or innermost is not frame:
        return found
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    for pattern in (_CALL, _WITH):
        match = pattern.search(line)
        if match:
            obj = resolve(match.group(1), frame)
            if obj is not None:
                verb = match.group(2) if pattern is _CALL else "with"
                return f"{verb} on {describe_object(obj)} (a call into C: {line.strip()!r})"
    for match in _BARE.finditer(line):
        method = resolve(match.group(1), frame)
        if isinstance(method, types.BuiltinMethodType) and method.__name__ in _WAIT_VERBS:
            owner = method.__self__
            if owner is not None and not isinstance(owner, types.ModuleType):
                described = describe_object(owner)
                return f"{method.__name__} on {described} (a call into C: {line.strip()!r})"
    return None


_BOOTSTRAP = {"_bootstrap", "_bootstrap_inner", "run"}
#: The harness's package (this file is stress/trial/waits.py) and the trial child's module.
_HARNESS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_CHILD = os.path.join(_HARNESS, "trial", "child.py")


def _relevant(stack: traceback.StackSummary) -> list[traceback.FrameSummary]:
    """Drop thread bootstrap frames and the harness's own frames above the target."""
    frames = list(stack)
    for i in range(len(frames) - 1, -1, -1):
        if frames[i].name == "_call" and os.path.realpath(frames[i].filename) == _CHILD:
            frames = frames[i + 1 :]  # the main thread: start at the target's call
            break
    while frames and (
        (os.path.basename(frames[0].filename) == "threading.py" and frames[0].name in _BOOTSTRAP)
        or os.path.realpath(frames[0].filename).startswith(_HARNESS + os.sep)
        or (
            (stdlib_file(frames[0].filename) or "").startswith("concurrent" + os.sep)
            and frames[0].name in ("_worker", "run")
        )
    ):
        frames.pop(0)
    return frames


def dump_threads(exclude: Collection[int] = ()) -> list[str]:
    """A summary of who waits on what, then every live thread's stack (innermost last)."""
    frames = sys._current_frames()
    by_ident = {t.ident: t for t in threading.enumerate()}
    stacks: list[str] = []
    waiting: dict[str, list[str]] = {}
    for ident, frame in frames.items():
        if ident in exclude:
            continue
        thread = by_ident.get(ident)
        if thread is None:
            name = f"ident {ident:#x}"
            label = f"Thread (not a threading.Thread, ident {ident:#x})"
        else:
            name = thread.name
            kind = "daemon" if thread.daemon else "non-daemon"
            label = f'Thread "{thread.name}" ({kind}, ident {ident:#x})'
        stacks.append(label)
        wait = waits_on(frame)
        if wait:
            stacks.append(f"  waits on: {wait}")
            waiting.setdefault(wait, []).append(name)
        for entry in traceback.format_list(_relevant(traceback.extract_stack(frame))):
            stacks.extend("  " + part for part in entry.rstrip("\n").split("\n"))
    del frames
    summary = ["who waits on what:"] if waiting else []
    for wait, names in waiting.items():
        shown = ", ".join(repr(n) for n in names[:8]) + (" ..." if len(names) > 8 else "")
        summary.append(f"  {wait} <- {len(names)} thread(s): {shown}")
    return [*summary, *stacks]
