"""What an OS thread keeps from one life to the next, and how a reused one forgets it.

A reused worker (:class:`stress.scheduled.standins._Worker`) must look to each
controlled thread it runs like a new OS thread.  As a thread state dies, CPython drops
its thread-state dict (``PyThreadState_GetDict``: on 3.11/3.12 it holds every
``threading.local``'s storage for the thread) and, on 3.13+, each ``threading.local``'s
dict for it (a per-thread *sentinel* dies, and the callbacks of the weakrefs the
locals hold to it remove those dicts).  :class:`Forgetter` does the same for a thread
that lives on: afterwards every ``threading.local`` (module-level ones included, and
subclasses, whose ``__init__`` runs again) is empty in it.  It also removes the
``_DummyThread`` a raw thread's ``current_thread()`` left under its ident, and
:func:`untrace` clears the trace and profile functions a new thread does not have.

Invariant: :meth:`Forgetter.forget` checks its own work with a probe local and says
False when it could not forget (an interpreter whose thread-locals work otherwise):
the worker then ends, as a new thread per life would, and reuse turns itself off.
"""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Callable
from typing import Any

from stress.scheduled import _real


def untrace() -> None:
    """No trace or profile function, as in a new thread.  Each call only where one is
    set: on a free-threaded build each stops the world, even when nothing changes."""
    if sys.gettrace() is not None:
        sys.settrace(None)
    if sys.getprofile() is not None:
        sys.setprofile(None)


_thread_dict: list[Callable[[], dict[Any, Any]]] = []


def _the_thread_dict() -> dict[Any, Any]:
    """This thread's ``PyThreadState_GetDict()``."""
    if not _thread_dict:
        import ctypes  # noqa: PLC0415 - only where a worker is reused

        # A private function object: setting restype on ctypes.pythonapi's own would
        # change it for the target too.  c_void_p, then a cast: a py_object restype
        # would take the borrowed reference as a new one.
        get = ctypes.PYFUNCTYPE(ctypes.c_void_p)(("PyThreadState_GetDict", ctypes.pythonapi))

        def thread_dict() -> dict[Any, Any]:
            value: dict[Any, Any] = ctypes.cast(get(), ctypes.py_object).value
            return value

        _thread_dict.append(thread_dict)
    return _thread_dict[0]()


def _sentinel() -> weakref.ref[Any] | None:
    """3.13+: this thread's local sentinel (a weakref to it), found through a probe
    local's watchdog set; None where locals keep no such set (3.11/3.12)."""
    probe = _real.local()
    probe.seen = True
    watchdogs = [r for r in gc.get_referents(probe) if type(r) is set]
    if len(watchdogs) != 1 or len(watchdogs[0]) != 1:
        return None
    (watchdog,) = watchdogs[0]
    sentinel = watchdog()
    return None if sentinel is None else weakref.ref(sentinel)


class Forgetter:
    """One worker's means of forgetting its thread's state (call it in that thread)."""

    __slots__ = ("_looked", "_probe", "_sentinel")

    def __init__(self) -> None:
        self._probe = _real.local()
        self._sentinel: weakref.ref[Any] | None = None
        self._looked = False  # for the sentinel, once (it lives as long as the thread)

    def forget(self) -> bool:
        """Drop this thread's thread-local state (see the module doc); False if it stayed."""
        try:
            self._probe.mark = True
            if not self._looked:
                self._sentinel, self._looked = _sentinel(), True
            _the_thread_dict().clear()  # 3.11/3.12: every local's storage lives here
            sentinel = self._sentinel() if self._sentinel is not None else None
            if sentinel is not None:  # 3.13+: what the sentinel's death would do
                for ref in weakref.getweakrefs(sentinel):
                    callback = ref.__callback__
                    if callback is not None:
                        callback(ref)
            _forget_dummy_thread()
            return getattr(self._probe, "mark", None) is None
        except Exception:  # an interpreter that does it otherwise: no reuse
            return False


def _forget_dummy_thread() -> None:
    """The ``_DummyThread`` a raw thread's ``current_thread()`` made (3.13+ drops it
    with the thread's locals; 3.11/3.12 keep it until the ident is reused)."""
    threading = sys.modules.get("threading")
    if threading is None:
        return
    ident = _real.get_ident()
    active: dict[int, Any] = threading._active
    me = active.get(ident)
    if isinstance(me, threading._DummyThread):
        active.pop(ident, None)
