"""Helpers for the tests of the project's own designs (countdown, queue_shutdown).

Every call that could hang goes through :func:`bounded`, which runs it on a helper
thread and fails with every thread's stack when the bound is reached.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pytest

import reference
from reference._streaming import StreamingVariant

T = TypeVar("T")

#: Bound on anything that should take milliseconds; reaching it is a failure.
TIMEOUT = 30.0

OWN = reference.OWN


def stacks() -> str:
    """Every thread's stack, labelled with its name (what a hang report needs)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        parts.append(f"--- {names.get(ident, ident)}\n{''.join(traceback.format_stack(frame))}")
    return "\n".join(parts)


def bounded(call: Callable[[], T], timeout: float = TIMEOUT) -> T:
    """Run ``call`` on a helper thread; its value or exception, or fail after ``timeout``."""
    box: dict[str, Any] = {}  # "value" or "error"

    def body() -> None:
        try:
            box["value"] = call()
        except BaseException as error:
            box["error"] = error

    helper = threading.Thread(target=body, name="test-bounded-caller", daemon=True)
    helper.start()
    helper.join(timeout)
    if helper.is_alive():
        pytest.fail(f"no answer within {timeout} s:\n{stacks()}")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def own(name: str, maxsize: int = 0) -> StreamingVariant:
    """Design ``name`` with ``maxsize``, typed as what it is: a streaming variant."""
    target = reference.make(name, maxsize=maxsize)
    assert isinstance(target, StreamingVariant)
    return target


def run_to_end(
    name: str, items: Iterable[Any], stages: list[Any], workers: list[int], maxsize: int = 0
) -> list[object]:
    """Results of one bounded call of variant ``name``, read to the end."""
    target = own(name, maxsize)
    return bounded(lambda: list(target(items, stages, workers)))


def threads_of(name: str) -> list[threading.Thread]:
    """Live threads a run of variant ``name`` started (its names say so)."""
    return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def assert_no_thread_of(name: str) -> None:
    """No thread of ``name`` is alive: checked at once, since a call joins its threads."""
    alive = [t.name for t in threads_of(name)]
    assert not alive, f"{name} left threads running: {alive}"


def wait_for_threads_of(name: str, timeout: float = TIMEOUT) -> None:
    """Join the threads of ``name`` (bounded), then assert none is alive."""
    for thread in threads_of(name):
        thread.join(timeout)
    assert_no_thread_of(name)


def multiset(values: Iterable[object]) -> Counter[str]:
    """A multiset that takes unhashable values (by ``repr`` with the type)."""
    return Counter(f"{type(v).__name__}:{v!r}" for v in values)


def test_bounded_fails_loudly_with_stacks_when_the_bound_is_reached() -> None:
    release = threading.Event()
    try:
        with pytest.raises(pytest.fail.Exception, match="test-bounded-caller"):
            bounded(lambda: release.wait(TIMEOUT), timeout=0.05)
    finally:
        release.set()


def test_bounded_passes_values_and_exceptions_through() -> None:
    assert bounded(lambda: 3) == 3
    with pytest.raises(KeyError):
        bounded(lambda: {"y": 1}["x"])
