"""countdown and queue_shutdown: results, errors, cancellation and streaming.

One test body runs on both designs.  Each asserts structure (multisets, counts of
calls, which thread did what), never timing, and every blocking step is bounded.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import reference
from tests.test_own_support import (
    OWN,
    TIMEOUT,
    assert_no_thread_of,
    bounded,
    multiset,
    own,
    run_to_end,
    threads_of,
    wait_for_threads_of,
)

pytestmark = pytest.mark.smoke


@pytest.fixture(params=OWN, ids=str)
def name(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


MAXSIZES = [0, 1, 3]


# -- registration ---------------------------------------------------------------------
def test_both_designs_are_registered_and_take_only_maxsize(name: str) -> None:
    assert name in reference.VARIANTS
    assert reference.make(name, maxsize=2).settings.maxsize == 2
    with pytest.raises(TypeError, match="pool_size"):
        reference.make(name, pool_size=4)
    with pytest.raises(TypeError, match="barrier_parties"):
        reference.make(name, barrier_parties=2)


def test_bad_shapes_and_sources_raise_before_any_thread_starts(name: str) -> None:
    target = reference.VARIANTS[name]
    with pytest.raises(ValueError, match="non-empty"):
        target([1], [], [])
    with pytest.raises(ValueError, match="entries"):
        target([1], [abs], [1, 1])
    with pytest.raises(ValueError, match="workers"):
        target([1], [abs], [0])
    with pytest.raises(TypeError):
        target(3, [abs], [1])  # type: ignore[arg-type]
    assert_no_thread_of(name)


# -- results ----------------------------------------------------------------------------
@pytest.mark.parametrize("maxsize", MAXSIZES)
@pytest.mark.parametrize(("n", "workers"), [(0, [1]), (1, [5, 5]), (50, [1, 3, 2]), (500, [5, 5])])
def test_every_result_arrives_exactly_once(
    name: str, maxsize: int, n: int, workers: list[int]
) -> None:
    stages = [lambda x, k=k: x * 10 + k for k in range(len(workers))]
    expected = list(range(n))
    for k in range(len(workers)):
        expected = [x * 10 + k for x in expected]
    results = run_to_end(name, range(n), stages, workers, maxsize)
    assert multiset(results) == multiset(expected)
    assert_no_thread_of(name)


AWKWARD: list[Any] = [None, 0, False, "", [], {}, (), None, 0, [1, 2], {"a": [None]}, 0.0]


@pytest.mark.parametrize("maxsize", MAXSIZES)
def test_awkward_values_are_data_none_included(name: str, maxsize: int) -> None:
    results = run_to_end(name, AWKWARD, [lambda x: x, lambda x: x], [3, 2], maxsize)
    assert multiset(results) == multiset(AWKWARD)


@pytest.mark.parametrize("maxsize", MAXSIZES)
def test_a_stage_returning_none_does_not_end_the_run(name: str, maxsize: int) -> None:
    results = run_to_end(name, range(20), [lambda x: None, lambda x: x], [4, 4], maxsize)
    assert results == [None] * 20


# -- threads ------------------------------------------------------------------------------
def test_threads_are_named_by_variant_stage_and_worker(name: str) -> None:
    seen: set[tuple[int, str]] = set()
    lock = threading.Lock()

    def recorder(k: int) -> Any:
        def stage(x: int) -> int:
            with lock:
                seen.add((k, threading.current_thread().name))
            return x

        return stage

    run_to_end(name, range(100), [recorder(0), recorder(1)], [2, 3])
    for k, thread_name in seen:
        assert re.fullmatch(rf"{name}-s{k}-w[0-9]+", thread_name), thread_name


class WatchedSource(Iterator[int]):
    """``n`` items; records which threads call ``next`` and whether two ever overlap.

    The first ``next`` holds the source for up to :data:`HOLD` seconds, unless another
    reader comes in first: the window in which every worker of a design without a
    source lock would pile in.
    """

    HOLD = 0.05

    def __init__(self, n: int) -> None:
        self.left = n
        self.readers: set[str] = set()
        self.overlaps = 0
        self.calls_after_the_end = 0
        self._reading = threading.Lock()
        self._first = True
        self._other_came = threading.Event()

    def __next__(self) -> int:
        if not self._reading.acquire(blocking=False):
            self.overlaps += 1
            self._other_came.set()
            return self._next()
        try:
            if self._first:
                self._first = False
                self._other_came.wait(self.HOLD)
            return self._next()
        finally:
            self._reading.release()

    def _next(self) -> int:
        self.readers.add(threading.current_thread().name)
        if self.left <= 0:
            self.calls_after_the_end += 1
            raise StopIteration
        self.left -= 1
        return self.left


@pytest.mark.parametrize("maxsize", [0, 2])
def test_the_source_is_read_by_the_run_one_next_at_a_time(name: str, maxsize: int) -> None:
    """A feeder thread or stage 0's workers read the source, never two at once, and
    never again once it has ended (an iterator need not keep raising StopIteration)."""
    source = WatchedSource(200)
    results = run_to_end(name, source, [abs, abs], [5, 3], maxsize)
    assert sorted(results, key=int) == list(range(200))  # type: ignore[arg-type]
    assert source.overlaps == 0
    assert source.calls_after_the_end == 1
    assert source.readers  # the caller's thread is none of them:
    for reader in source.readers:
        assert re.fullmatch(rf"{name}-(feeder|s0-w[0-9]+)", reader), reader


# -- errors ---------------------------------------------------------------------------------
class StageError(Exception):
    """What a test's stage raises, tagged with where."""


@pytest.mark.parametrize("maxsize", MAXSIZES)
@pytest.mark.parametrize(("failing_stage", "failing_item"), [(0, 0), (1, 7), (2, 49), (1, 0)])
def test_a_stage_exception_reaches_the_caller_and_no_thread_is_left(
    name: str, maxsize: int, failing_stage: int, failing_item: int
) -> None:
    error = StageError(failing_stage, failing_item)

    def stage_for(k: int) -> Any:
        def stage(x: int) -> int:
            if k == failing_stage and x == failing_item:
                raise error
            return x

        return stage

    with pytest.raises(StageError) as caught:
        run_to_end(name, range(50), [stage_for(k) for k in range(3)], [1, 5, 2], maxsize)
    assert caught.value is error
    assert caught.value.__context__ is None  # nothing internal chained to it
    assert_no_thread_of(name)


def test_a_stage_raising_stop_iteration_is_not_mistaken_for_the_end(name: str) -> None:
    """Raised as is from ``__next__``, StopIteration would end the caller's loop quietly."""

    def stage(x: int) -> int:
        if x == 3:
            raise StopIteration(x)
        return x

    with pytest.raises(RuntimeError, match="StopIteration") as caught:
        run_to_end(name, range(10), [stage], [2])
    assert isinstance(caught.value.__cause__, StopIteration)
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", MAXSIZES)
def test_a_fault_on_every_item_with_one_worker_per_stage_raises(name: str, maxsize: int) -> None:
    def always(x: int) -> int:
        raise StageError(x)

    with pytest.raises(StageError):
        run_to_end(name, range(10), [abs, always], [1, 1], maxsize)
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", [0, 1])
def test_a_source_that_raises_fails_the_run(name: str, maxsize: int) -> None:
    def source() -> Iterator[int]:
        yield from range(5)
        raise StageError("source")

    with pytest.raises(StageError, match="source"):
        run_to_end(name, source(), [abs], [2], maxsize)
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", [0, 1])
def test_after_a_failure_remaining_work_is_skipped(name: str, maxsize: int) -> None:
    """An endless source: the run ends only because the failure cancels the rest.

    (How many calls slip in between the stage raising and the run recording it depends
    on scheduling, so only the end is asserted, and that nothing runs after it.)
    """
    calls = itertools.count()

    def stage(x: int) -> int:
        next(calls)
        if x == 10:
            raise StageError(x)
        return x

    with pytest.raises(StageError):
        run_to_end(name, itertools.count(), [stage, stage], [4, 3], maxsize)
    assert_no_thread_of(name)
    made = next(calls)
    assert next(calls) == made + 1  # no stage call after the caller saw the failure


def test_the_stream_raises_once_then_is_exhausted(name: str) -> None:
    def fail(x: int) -> int:
        raise StageError(x)

    stream = own(name)([1], [fail], [1])
    with pytest.raises(StageError):
        bounded(lambda: next(stream))
    assert bounded(lambda: list(stream)) == []
    assert_no_thread_of(name)


# -- streaming ----------------------------------------------------------------------------
def test_results_stream_out_before_the_source_ends(name: str) -> None:
    more = threading.Event()

    def source() -> Iterator[int]:
        yield 1
        assert more.wait(TIMEOUT)
        yield 2

    stream = own(name)(source(), [abs], [2])
    try:
        assert bounded(lambda: next(stream)) == 1  # while the source still waits
        more.set()
        assert bounded(lambda: list(stream)) == [2]
    finally:
        more.set()
        stream.close()
    assert_no_thread_of(name)


def assert_read_ahead_is_bounded(name: str, maxsize: int) -> None:
    """At any moment items pulled - results read <= what the queues and threads can hold."""
    pulled = [0]  # written by one reader at a time
    workers = [2, 3]

    def source() -> Iterator[int]:
        for i in itertools.count():  # endless: a design that lists it never returns
            pulled[0] += 1
            yield i

    # Stage 0 pulls, so only the queue after each stage holds items (maxsize each),
    # and each worker one: a feeder would add a queue and one more item.
    capacity = len(workers) * maxsize + sum(workers)
    stream = own(name, maxsize)(source(), [abs, abs], workers)
    try:
        for read in range(1, 200):
            bounded(lambda: next(stream))
            assert pulled[0] - read <= capacity
    finally:
        bounded(stream.close)
    assert_no_thread_of(name)


@pytest.mark.parametrize("maxsize", [1, 2])
def test_a_bounded_run_reads_its_source_lazily(name: str, maxsize: int) -> None:
    assert_read_ahead_is_bounded(name, maxsize)


# -- early stop ----------------------------------------------------------------------------
@pytest.mark.parametrize("maxsize", [0, 1])
def test_close_cancels_the_run_and_joins_every_thread(name: str, maxsize: int) -> None:
    stream = own(name, maxsize)(itertools.count(), [abs, abs], [5, 5])
    assert bounded(lambda: next(stream)) is not None
    bounded(stream.close)
    assert_no_thread_of(name)
    assert bounded(lambda: list(stream)) == []


def test_leaving_a_with_block_cancels_the_run(name: str) -> None:
    def read_three() -> list[object]:
        with own(name)(itertools.count(), [abs], [3]) as stream:
            return [next(stream) for _ in range(3)]

    assert len(bounded(read_three)) == 3
    assert_no_thread_of(name)


def test_dropping_the_stream_cancels_the_run(name: str) -> None:
    stream = own(name, 1)(itertools.count(), [abs], [3])
    bounded(functools.partial(next, stream))
    del stream
    gc.collect()
    wait_for_threads_of(name)


def test_a_caller_exception_inside_with_cancels_the_run(name: str) -> None:
    def consume() -> None:
        with own(name)(itertools.count(), [abs], [2]) as stream:
            for value in stream:
                if value == 5:
                    raise StageError("caller")

    with pytest.raises(StageError, match="caller"):
        bounded(consume)
    assert_no_thread_of(name)


def test_one_variant_object_serves_concurrent_calls(name: str) -> None:
    target = own(name)
    streams = [target(range(i * 100, i * 100 + 100), [abs], [2]) for i in range(3)]
    results = [bounded(functools.partial(sorted, s)) for s in streams]
    assert results == [list(range(i * 100, i * 100 + 100)) for i in range(3)]
    assert not threads_of(name)


# -- countdown's two kinds of free-place pool -----------------------------------------------
@pytest.fixture(params=["tokens", "semaphore"])
def countdown_pool(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """countdown with its token-queue pool (small bounds) or its Semaphore (large ones)."""
    from reference import countdown

    if request.param == "semaphore":  # every bound counts as large
        monkeypatch.setattr(countdown, "TOKEN_QUEUE_MAX", 0)
    return "countdown"


@pytest.mark.parametrize("maxsize", [1, 2])
def test_either_pool_bounds_what_is_read_ahead(countdown_pool: str, maxsize: int) -> None:
    assert_read_ahead_is_bounded(countdown_pool, maxsize)


def test_either_pool_wakes_blocked_putters_on_a_failure(countdown_pool: str) -> None:
    """Stage 1 raises once stage 0 has filled every place: its workers wait in a put."""
    workers = [4, 1]
    # stage 1 holds one item, queue 1 one more, and each stage-0 worker one it cannot put.
    calls_until_full = 1 + 1 + workers[0]
    calls = itertools.count(1)
    full = threading.Event()

    def stage_zero(item: int) -> int:
        if next(calls) == calls_until_full:
            full.set()
        return item

    def fail_when_full(item: int) -> int:
        full.wait(TIMEOUT)
        raise ValueError(f"stage 1 failed on {item}")

    with pytest.raises(ValueError, match="stage 1 failed"):
        run_to_end(countdown_pool, range(1000), [stage_zero, fail_when_full], workers, 1)
    assert_no_thread_of(countdown_pool)


def test_a_large_bound_uses_a_semaphore_and_stays_exactly_once() -> None:
    from reference import countdown

    results = run_to_end("countdown", range(300), [abs, abs], [3, 2], countdown.TOKEN_QUEUE_MAX + 1)
    assert multiset(results) == multiset(range(300))
