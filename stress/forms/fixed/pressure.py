"""Timing pressure where code synchronises, with no patch at all: installed in a trial's child.

Invariants:

* :func:`install` runs in a trial's child only, before the target's module is imported
  (so locks and queues made at import are covered too).  It replaces, in ``queue`` and
  ``threading``: ``Queue.get``/``put`` (every subclass), ``SimpleQueue`` (a subclass,
  so ``concurrent.futures``' work queues too), ``Lock``/``RLock`` (classes whose
  objects wrap the real locks; ``Condition`` works on them as on the real ones),
  ``Condition.wait``, ``Event.wait``, ``Barrier.wait``, ``Semaphore.acquire`` and
  ``release``, and ``Thread.start``.  Code that took its own reference to one of these
  *before* the install (the harness's modules, ``from threading import Lock`` in a
  module already loaded) keeps the real one.
* A point only adds delays; it never changes what the operation does or returns.
* :class:`Pressure` is a pure function of (seed, k) (:func:`draw_pressure`); each
  thread draws from its own ``random.Random`` seeded by (seed, k, thread name), so a
  thread's sequence of choices is reproducible while the interleaving stays real.
* Pressure applies only while :func:`active` is on, and never in the harness's own
  threads (names starting ``stress-``, or not ``threading`` threads at all, such as the
  watchdog); their operations are not counted as the call's progress either, or the
  watchdog's own ticks would keep a deadlocked call looking busy.  The fast path (no
  delay) costs a thread-local read and one ``random()``.

A delay is a GIL hand-off (``time.sleep(0)``), a short sleep (1 us up to ``max_us``),
or nothing.  Which points pay, measured with :mod:`stress.forms.fixed.measure`, is in the
README ("Test your own pipeline").
"""

from __future__ import annotations

import _queue
import _thread
import contextlib
import functools
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

POINTS = ("queue", "lock", "condition", "event", "barrier", "semaphore", "thread_start")
#: Seconds of sleep a trial's pressure may add in all (then it only yields): keeps a
#: trial with hundreds of items about as cheap as one without pressure.
SLEEP_BUDGET = 0.02
#: What a short sleep really costs on Linux (the default timer slack is 50 us).
TIMER_SLACK = 50e-6
#: The points every pressured trial keeps (the others are drawn, each half the time).
_CORE = frozenset({"queue", "lock", "condition"})
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Pressure:
    """Which points are shaken in one trial, and how hard."""

    seed: int
    k: int
    points: tuple[str, ...] = POINTS
    rate: float = 0.1  # chance that a point delays at all
    yield_share: float = 0.5  # of the delays, the share that only hands the GIL over
    max_us: float = 200.0  # the longest sleep of a delay

    def to_json(self) -> dict[str, Any]:
        return {
            "points": list(self.points),
            "rate": self.rate,
            "yield_share": self.yield_share,
            "max_us": self.max_us,
        }


def draw_pressure(seed: int, k: int, points: tuple[str, ...] = POINTS) -> Pressure:
    """Trial ``k``'s pressure: a pure function of its arguments; sometimes none at all.

    Measured (README, "Test your own pipeline"): queue and lock points find a sentinel
    race that no unpressured trial shows; a rate near 0.1 beats 0.02 and 0.4 (too much
    noise evens the threads out); yields pay nearly as well as short sleeps.
    """
    rng = random.Random(f"pressure:{seed}:{k}")
    if rng.random() < 0.1:  # no delays; the points still count operations (progress)
        return Pressure(seed, k, points, 0.0)
    chosen = tuple(p for p in points if p in _CORE or rng.random() < 0.5) or points
    return Pressure(
        seed,
        k,
        chosen,
        rate=rng.choice((0.05, 0.1, 0.1, 0.2)),
        yield_share=rng.choice((0.0, 0.5, 1.0)),
        max_us=rng.choice((5.0, 50.0, 200.0, 1000.0)),
    )


class _State:
    pressure: Pressure | None = None
    on = False
    slept = 0.0  # seconds of sleep requested so far in this trial (about)
    ops = 0  # synchronisation operations seen while on (about)


_state = _State()
_local = threading.local()
_allocate_lock = _thread.allocate_lock
_RealRLock = _thread.RLock


def _thread_rng() -> random.Random | None:
    # Not threading.current_thread(): in a thread that is still starting (Thread.start
    # waits on an Event, hence on a lock) it would register a dummy thread and corrupt
    # the start; such a thread is simply not delayed until it is registered.
    thread = threading._active.get(_thread.get_ident())  # type: ignore[attr-defined]
    pressure = _state.pressure
    if thread is None or pressure is None:
        return None
    rng = None
    if not thread.name.startswith("stress-"):
        rng = random.Random(f"pressure:{pressure.seed}:{pressure.k}:{thread.name}")
    _local.rng = rng
    return rng


def jitter() -> None:
    """Maybe delay the calling thread (the one place every point goes through)."""
    if not _state.on:
        return
    try:
        rng = _local.rng
    except AttributeError:
        rng = _thread_rng()
    if rng is None:  # the harness's own threads: neither delayed nor the call's progress
        return
    _state.ops += 1  # lossy across threads: only "did it move" matters (the watchdog)
    pressure = _state.pressure
    assert pressure is not None
    u = rng.random()
    if u >= pressure.rate:
        return
    if u < pressure.rate * pressure.yield_share or _state.slept > SLEEP_BUDGET:
        _pause(0.0)  # hand the GIL over
    else:
        seconds = 1e-6 + rng.random() * pressure.max_us * 1e-6
        _state.slept += seconds + TIMER_SLACK  # lossy across threads: a bound, not a count
        _pause(seconds)


def _pause(seconds: float) -> None:
    time.sleep(seconds)  # noqa: TID251 -- the harness's timing noise


def operations() -> int:
    """About how many synchronisation operations ran under pressure so far."""
    return _state.ops


def current_points() -> tuple[str, ...]:
    """The points installed in this process (none before :func:`install`)."""
    return _state.pressure.points if _state.pressure is not None else ()


def switch(on: bool) -> None:
    """Pressure on (during the target's call and the reading of its results) or off."""
    _state.on = on and _state.pressure is not None


@contextlib.contextmanager
def active() -> Iterator[None]:
    """Pressure on inside the block (the target's call), off after it."""
    _state.on = _state.pressure is not None
    try:
        yield
    finally:
        _state.on = False


def _made_by_stdlib() -> bool:
    """Whether the code creating a lock (two frames up) is the standard library's."""
    name = sys._getframe(2).f_globals.get("__name__", "")
    return str(name).partition(".")[0] in sys.stdlib_module_names


class PressLock:
    """``threading.Lock`` with a delay before acquiring and after releasing.

    Only the code under test gets one: a lock made by the standard library (inside
    ``Queue``, ``Condition``, ``Event``, executors) stays real, since the methods
    around it are pressure points already and a Python-level lock there costs much.
    """

    __slots__ = ("_inner",)

    def __new__(cls) -> Any:
        if _made_by_stdlib():
            return _allocate_lock()
        return super().__new__(cls)

    def __init__(self) -> None:
        self._inner = _allocate_lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        jitter()
        return self._inner.acquire(blocking, timeout)

    def release(self) -> None:
        self._inner.release()
        jitter()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def locked(self) -> bool:
        return self._inner.locked()

    def _at_fork_reinit(self) -> None:
        self._inner._at_fork_reinit()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<pressured {self._inner!r}>"


class PressRLock:
    """``threading.RLock`` with the same delays; ``Condition``'s hooks delegate."""

    __slots__ = ("_inner",)

    def __new__(cls) -> Any:
        if _made_by_stdlib():
            return _RealRLock()
        return super().__new__(cls)

    def __init__(self) -> None:
        self._inner = _RealRLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        jitter()
        return self._inner.acquire(blocking, timeout)

    def release(self) -> None:
        self._inner.release()
        jitter()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        return self._inner._is_owned()  # type: ignore[attr-defined,no-any-return]

    def _release_save(self) -> Any:
        return self._inner._release_save()  # type: ignore[attr-defined]

    def _acquire_restore(self, state: Any) -> None:
        self._inner._acquire_restore(state)  # type: ignore[attr-defined]

    def _at_fork_reinit(self) -> None:
        self._inner._at_fork_reinit()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:  # _recursion_count, locked (3.13+) ...
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"<pressured {self._inner!r}>"


class PressSimpleQueue(_queue.SimpleQueue):  # type: ignore[type-arg]
    """``queue.SimpleQueue`` with a delay before ``put`` and after ``get``."""

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = super().get(block, timeout)
        jitter()
        return item

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        jitter()
        super().put(item, block, timeout)

    def get_nowait(self) -> Any:
        return self.get(False)

    def put_nowait(self, item: Any) -> None:
        self.put(item, False)


def _around(method: F) -> F:
    """``method`` with a delay before and after it."""

    @functools.wraps(method)
    def pressured(*args: Any, **kwargs: Any) -> Any:
        jitter()
        try:
            return method(*args, **kwargs)
        finally:
            jitter()

    return pressured  # type: ignore[return-value]


_METHODS: dict[str, list[tuple[type, str]]] = {
    "queue": [(queue.Queue, "get"), (queue.Queue, "put")],
    "condition": [(threading.Condition, "wait")],
    "event": [(threading.Event, "wait")],
    "barrier": [(threading.Barrier, "wait")],
    "semaphore": [(threading.Semaphore, "acquire"), (threading.Semaphore, "release")],
    "thread_start": [(threading.Thread, "start")],
}


def install(pressure: Pressure) -> None:
    """Put the pressure points of ``pressure`` in place (once per child process)."""
    if _state.pressure is not None:
        raise RuntimeError("pressure is installed once per trial process")
    _state.pressure = pressure
    points = set(pressure.points)
    for point in points & set(_METHODS):
        for cls, name in _METHODS[point]:
            original = cls.__dict__[name]
            setattr(cls, name, _around(original))
            if point == "semaphore":  # __enter__ is bound to the old acquire
                cls.__enter__ = cls.acquire  # type: ignore[attr-defined]
    if "queue" in points:
        setattr(queue, "SimpleQueue", PressSimpleQueue)  # noqa: B010 -- a module's class, replaced
    if "lock" in points:
        setattr(threading, "Lock", PressLock)  # noqa: B010 -- typed as a function in 3.11
        setattr(threading, "RLock", PressRLock)  # noqa: B010
