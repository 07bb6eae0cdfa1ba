"""Jobs for the controlled scheduler's tests, run in a child by ``run_job``.

Nothing here imports a target at module level: the child installs the stand-ins
first, then imports this module, and each job imports what it runs.  Every body in
:data:`BODIES` returns what it observed, so one body runs on the real primitives and
under the scheduler and the two lists must be equal.  Timeouts that must expire are
short (0.01 s): real waits in the real run, virtual ones under the scheduler.
"""

from __future__ import annotations

import _thread
import functools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

SHORT = 0.01


def _error(call: Callable[[], object]) -> str:
    try:
        call()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "no error"


def _in_thread(call: Callable[[], object]) -> object:
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(call()))
    thread.start()
    thread.join()
    return box[0]


def lock_body() -> list[object]:
    lock = _thread.allocate_lock()
    seen: list[object] = [lock.acquire(), lock.locked(), lock.acquire(False)]
    seen.append(lock.acquire(True, SHORT))
    seen.append(_error(lambda: lock.acquire(False, 1)))
    seen.append(_error(lambda: lock.acquire(True, -2)))
    lock.release()
    seen += [lock.locked(), _error(lock.release)]
    with lock:
        seen.append(lock.locked())
    lock.acquire()
    _in_thread(lock.release)  # a plain lock may be released by any thread
    seen += [lock.locked(), isinstance(threading.Lock(), type(_thread.allocate_lock()))]
    return seen


def rlock_body() -> list[object]:
    lock = threading.RLock()
    seen: list[object] = [lock.acquire(), lock.acquire(), lock._recursion_count()]  # type: ignore[attr-defined]
    seen.append(lock._is_owned())  # type: ignore[attr-defined]
    seen.append(_in_thread(lambda: lock.acquire(False)))
    seen.append(_in_thread(lambda: _error(lock.release)))
    lock.release()
    lock.release()
    seen += [_error(lock.release), lock._is_owned(), _error(lock._release_save)]  # type: ignore[attr-defined]
    with lock:
        seen.append(_in_thread(lambda: lock.acquire(True, SHORT)))
    return seen


def simple_queue_body() -> list[object]:
    q: queue.SimpleQueue[int] = queue.SimpleQueue()
    seen: list[object] = [q.empty(), q.qsize()]
    for x in (1, 2, 3):
        q.put(x)
    seen += [q.qsize(), q.get(), q.get_nowait(), q.get(timeout=SHORT), q.empty()]
    seen += [_error(q.get_nowait), _error(lambda: q.get(timeout=SHORT))]
    seen.append(_error(lambda: q.get(timeout=-1)))
    producer = threading.Thread(target=q.put, args=(7,))
    producer.start()
    seen.append(q.get())
    producer.join()
    return seen


def condition_body() -> list[object]:
    cond = threading.Condition()
    box: list[int] = []
    seen: list[object] = [_error(cond.notify)]
    with cond:
        seen.append(cond.wait(SHORT))

    def waiter() -> None:
        with cond:
            seen.append(cond.wait_for(lambda: box, timeout=None))

    thread = threading.Thread(target=waiter)
    thread.start()
    with cond:
        box.append(1)
        cond.notify_all()
    thread.join()
    return seen


def event_body() -> list[object]:
    event = threading.Event()
    seen: list[object] = [event.is_set(), event.wait(SHORT)]
    setter = threading.Thread(target=event.set)
    setter.start()
    seen += [event.wait(), event.is_set()]
    setter.join()
    event.clear()
    seen.append(event.wait(0))
    return seen


def semaphore_body() -> list[object]:
    sem = threading.Semaphore(2)
    seen: list[object] = [sem.acquire(), sem.acquire(), sem.acquire(False)]
    seen.append(sem.acquire(timeout=SHORT))
    releaser = threading.Thread(target=sem.release)
    releaser.start()
    seen.append(sem.acquire())
    releaser.join()
    bounded = threading.BoundedSemaphore(1)
    seen.append(_error(bounded.release))
    return seen


def barrier_body() -> list[object]:
    barrier = threading.Barrier(3)
    indexes: list[int] = []
    threads = [threading.Thread(target=lambda: indexes.append(barrier.wait())) for _ in range(2)]
    for thread in threads:
        thread.start()
    indexes.append(barrier.wait())
    for thread in threads:
        thread.join()
    lonely = threading.Barrier(2)
    seen: list[object] = [sorted(indexes), _error(lambda: lonely.wait(SHORT)), lonely.broken]
    lonely.reset()
    seen.append(lonely.broken)
    return seen


class _Summer(threading.Thread):
    """A ``Thread`` subclass that overrides ``run``."""

    def __init__(self, values: list[int]) -> None:
        super().__init__(name="summer")
        self.values, self.total = values, 0

    def run(self) -> None:
        for value in self.values:
            self.total += value


def thread_body() -> list[object]:
    summer = _Summer([1, 2, 3])
    seen: list[object] = [summer.is_alive()]
    summer.start()
    summer.join()
    seen += [summer.total, summer.is_alive(), _error(summer.start)]
    gate = threading.Event()
    parked = threading.Thread(target=gate.wait, name="parked", daemon=True)
    parked.start()
    parked.join(SHORT)
    seen += [parked.is_alive(), parked.daemon, isinstance(parked.ident, int)]
    gate.set()
    parked.join()
    seen.append(parked.is_alive())
    seen.append(_error(threading.current_thread().join))
    return seen


def time_body() -> list[object]:
    # time.sleep is the primitive under test here (its stand-in waits in virtual time).
    seen: list[object] = [_error(lambda: time.sleep(-1))]  # noqa: TID251
    t0, p0, w0 = time.monotonic(), time.perf_counter(), time.time()
    time.sleep(SHORT)  # noqa: TID251
    seen.append(time.monotonic() - t0 >= SHORT)
    seen.append(time.perf_counter() - p0 >= SHORT)
    seen.append(time.time() - w0 >= SHORT * 0.9)
    q: queue.Queue[int] = queue.Queue(maxsize=1)
    q.put(1)
    seen.append(_error(lambda: q.put(2, timeout=SHORT)))
    seen.append(q.get())
    seen.append(_error(lambda: q.get(timeout=SHORT)))
    return seen


BODIES: dict[str, Callable[[], list[object]]] = {
    "lock": lock_body,
    "rlock": rlock_body,
    "simple_queue": simple_queue_body,
    "condition": condition_body,
    "event": event_body,
    "semaphore": semaphore_body,
    "barrier": barrier_body,
    "thread": thread_body,
    "time": time_body,
}


def semantics(seeds: list[int]) -> dict[str, list[Any]]:
    """Each body's observations: once on the real primitives (this process has no
    stand-ins), or under the scheduler once per seed (random walk)."""
    from stress.scheduled import standins

    if not standins._installed:
        return {name: [repr(body())] for name, body in BODIES.items()}
    from stress.scheduled import RandomWalk, run_controlled

    found: dict[str, list[Any]] = {}
    for name, body in BODIES.items():
        found[name] = []
        for seed in seeds:
            outcome = run_controlled(body, RandomWalk(seed))
            found[name].append(
                repr(outcome.result)
                if outcome.status == "completed" and not outcome.leaked
                else f"{outcome.status} {outcome.reason} {outcome.error!r} {outcome.leaked}"
            )
    return found


# -- scenarios: real-world shapes that must run under the scheduler to completion ----
def _thread_subclass() -> object:
    workers = [_Summer(list(range(k))) for k in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [w.total for w in workers]


def _executor_in_function() -> object:
    from concurrent.futures import ThreadPoolExecutor, as_completed, wait

    with ThreadPoolExecutor(max_workers=3) as pool:
        mapped = list(pool.map(lambda x: x * x, range(6)))
        futures = [pool.submit(pow, 2, k) for k in range(4)]
        done, _ = wait(futures)
        completed = sorted(f.result() for f in as_completed(futures))
    return [mapped, sorted(f.result() for f in done), completed]


def _thread_pool_imap_unordered() -> object:
    from multiprocessing.pool import ThreadPool

    with ThreadPool(3) as pool:
        return sorted(pool.imap_unordered(lambda x: x + 10, range(8)))


def _queue_shutdown_pipeline() -> object:
    """Two stages of two workers over queues that end by ``shutdown()``."""
    from reference._shutdown_queue import ShutDown, ShutdownQueue

    first: ShutdownQueue[int] = ShutdownQueue()
    second: ShutdownQueue[int] = ShutdownQueue()
    out: ShutdownQueue[int] = ShutdownQueue()
    left = [2, 2]
    lock = threading.Lock()

    def stage(k: int, q_in: ShutdownQueue[int], q_out: ShutdownQueue[int]) -> None:
        while True:
            try:
                x = q_in.get()
            except ShutDown:
                break
            q_out.put(x + 1)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            q_out.shutdown()

    threads = [threading.Thread(target=stage, args=(0, first, second)) for _ in range(2)]
    threads += [threading.Thread(target=stage, args=(1, second, out)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for x in range(4):
        first.put(x)
    first.shutdown()
    results = []
    while True:
        try:
            results.append(out.get())
        except ShutDown:
            break
    for thread in threads:
        thread.join()
    return sorted(results)


def _lock_order(gate: threading.Barrier | None) -> object:
    """Two threads take two locks in opposite orders; with ``gate``, each waits there
    holding its first lock, so every schedule deadlocks."""
    left, right = threading.Lock(), threading.Lock()

    def take(first: threading.Lock, second: threading.Lock) -> None:
        with first:
            if gate is not None:
                gate.wait()
            with second:
                pass

    threads = [
        threading.Thread(target=take, args=(left, right), name="one"),
        threading.Thread(target=take, args=(right, left), name="two"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return "no deadlock"


def _lock_order_deadlock() -> object:
    return _lock_order(threading.Barrier(2))


def _lock_order_race() -> object:
    return _lock_order(None)


def _pipe_read() -> object:
    """Blocks in ``os.read`` on a pipe nobody writes: outside the scheduler's control."""
    read_end, write_end = os.pipe()
    try:
        return os.read(read_end, 1)
    finally:
        os.close(write_end)


def _computes_between_steps() -> object:
    """One stretch of pure computation, 1.5 s of real time, between two
    synchronisation points: busy, not blocked outside the scheduler's control."""
    from stress.scheduled import _real

    lock = threading.Lock()
    with lock:
        pass
    until = _real.monotonic() + 1.5  # the real clock: time.monotonic is virtual here
    spins = 0
    while _real.monotonic() < until:
        spins += 1
    with lock:
        return spins > 0


def _spins_forever() -> object:
    """A thread that takes and frees a lock for ever, and a caller that joins it: a
    step at every turn, no end (a busy poll whose condition never comes)."""
    lock = threading.Lock()

    def spin() -> None:
        while True:
            with lock:
                pass

    spinner = threading.Thread(target=spin, name="spinner", daemon=True)
    spinner.start()
    spinner.join()
    return None


def _stranger_thread() -> object:
    """A thread started behind the scheduler's back (as a C extension would) is alive,
    and might feed the queue the caller waits on: no proof of a deadlock."""
    from stress.scheduled import _real

    results: queue.SimpleQueue[int] = queue.SimpleQueue()
    never = _real.allocate_lock()
    never.acquire()
    _real.start_new_thread(never.acquire, ())  # waits in real time, for the child's life
    return results.get()


def _leaves_threads_behind() -> object:
    """Returns while one thread waits forever and one waits (timed, virtual) past the
    1 s grace; a third's timed wait ends within the grace, so it is no leak."""
    never = threading.Event()
    threading.Thread(target=never.wait, name="forever", daemon=True).start()
    threading.Thread(target=never.wait, args=(5.0,), name="sleeper", daemon=True).start()
    threading.Thread(target=never.wait, args=(0.5,), name="brief", daemon=True).start()
    return "returned"


SCENARIOS: dict[str, Callable[[], object]] = {
    "thread_subclass": _thread_subclass,
    "executor_in_function": _executor_in_function,
    "thread_pool_imap_unordered": _thread_pool_imap_unordered,
    "queue_shutdown_pipeline": _queue_shutdown_pipeline,
    "lock_order_deadlock": _lock_order_deadlock,
    "lock_order_race": _lock_order_race,
    "pipe_read": _pipe_read,
    "computes_between_steps": _computes_between_steps,
    "spins_forever": _spins_forever,
    "stranger_thread": _stranger_thread,
    "leaves_threads_behind": _leaves_threads_behind,
}


def scenario(
    name: str, seeds: list[int], stall_seconds: float = 1.0, **limits: float
) -> list[dict[str, Any]]:
    """``SCENARIOS[name]`` under schedules drawn from each seed: how each run ended."""
    from stress.scheduled import _real, draw, run_controlled

    runs = []
    for seed in seeds:
        start = _real.perf_counter()
        outcome = run_controlled(
            SCENARIOS[name],
            draw(seed, 0),
            stall_seconds=stall_seconds,
            **limits,  # type: ignore[arg-type]
        )
        runs.append(
            {
                "status": outcome.status,
                "reason": outcome.reason,
                "result": outcome.result,
                "error": repr(outcome.error) if outcome.error else None,
                "leaked": outcome.leaked,
                "report": outcome.describe(),
                "cycle": outcome.cycle,
                "waits": outcome.waits,
                "real_seconds": _real.perf_counter() - start,
                "virtual_time": outcome.virtual_time,
                "controlled": outcome.controlled,
                "abandoned": outcome.abandoned,
            }
        )
        if not outcome.controlled:
            break
    return runs


def python_version() -> str:
    return sys.version


def bounded_single_pool(seeds: list[int]) -> list[dict[str, Any]]:
    """The tutorial's single_pool with queues of one place, 6 items, 2 x 2 workers:
    its re-put end marker does not fit, so every schedule hangs."""
    from reference import make
    from stress.scheduled import _real, draw, run_controlled
    from stress.scheduled.pipelines import pipeline_body, verdict

    body = pipeline_body(make("single_pool", maxsize=1), 6, 2, 2)
    runs = []
    for seed in seeds:
        start = _real.perf_counter()
        outcome = run_controlled(body, draw(seed, 0))
        runs.append(
            {
                "verdict": verdict(outcome),
                "status": outcome.status,
                "virtual_time": outcome.virtual_time,
                "waits": outcome.waits,
                "report": outcome.describe(),
                "real_seconds": _real.perf_counter() - start,
            }
        )
    return runs


_LOCAL = threading.local()  # module-level: it outlives every run of this process


def _thread_locals_body() -> list[tuple[int, object]]:
    seen: list[tuple[int, object]] = []

    def record() -> None:
        seen.append((threading.get_native_id(), getattr(_LOCAL, "value", None)))
        _LOCAL.value = "set"

    for _ in range(3):
        thread = threading.Thread(target=record)
        thread.start()
        thread.join()
    return seen


def thread_locals(reuse_os_threads: bool) -> list[Any]:
    """Three runs of three threads started one after another: what each thread saw."""
    from stress.scheduled import RandomWalk, run_controlled

    return [
        run_controlled(_thread_locals_body, RandomWalk(k), reuse_os_threads=reuse_os_threads).result
        for k in range(3)
    ]


class _Counted(threading.local):
    """A thread-local subclass: its ``__init__`` runs once in each thread that uses it."""

    def __init__(self) -> None:
        self.fresh = True


_COUNTED = _Counted()  # module-level too
_DUMMIES: list[threading.Thread] = []  # what raw threads' current_thread() gave, all runs


def _untraced(frame: Any, event: str, arg: Any) -> None:
    return None


def _fresh_thread_body(run: int) -> list[dict[str, Any]]:
    """Threads of both kinds, one after another: what each found of earlier lives."""
    seen: list[dict[str, Any]] = []

    def record() -> None:
        me = threading.current_thread()
        seen.append(
            {
                "native": threading.get_native_id(),
                "local": getattr(_LOCAL, "value", None),
                "fresh": _COUNTED.fresh,
                "trace": sys.gettrace() is not None,
                "profile": sys.getprofile() is not None,
                "old_dummy": any(me is dummy for dummy in _DUMMIES),
            }
        )
        if isinstance(me, threading._DummyThread):
            _DUMMIES.append(me)
        _LOCAL.value = f"set in run {run}"
        _COUNTED.fresh = False
        sys.settrace(_untraced)  # what a thread's own tracer would leave behind
        sys.setprofile(_untraced)

    for _ in range(2):
        thread = threading.Thread(target=record)
        thread.start()
        thread.join()
    for _ in range(2):  # raw threads: current_thread() makes a _DummyThread
        done = _thread.allocate_lock()
        done.acquire()

        def raw(done: Any = done) -> None:
            try:
                record()
            finally:
                done.release()

        _thread.start_new_thread(raw, ())
        done.acquire()
    return seen


def fresh_threads(reuse_os_threads: bool, cannot_forget: bool = False) -> list[Any]:
    """Four runs of four threads: what each thread found (see _fresh_thread_body);
    ``cannot_forget``: as on an interpreter whose thread state a worker cannot reset."""
    from stress.scheduled import RandomWalk, _fresh, run_controlled

    if cannot_forget:

        def cannot(self: _fresh.Forgetter) -> bool:
            return False

        _fresh.Forgetter.forget = cannot  # type: ignore[method-assign]

    runs = []
    for k in range(4):
        body = functools.partial(_fresh_thread_body, k)
        outcome = run_controlled(body, RandomWalk(k), reuse_os_threads=reuse_os_threads)
        assert outcome.status == "completed", outcome.describe()
        runs.append(outcome.result)
    return runs


def clock_readings() -> list[float]:
    """Job: what the clocks read inside a controlled run, after a sleep (a replay in
    another process must meet the same readings: ``time.monotonic() % tick`` code)."""
    from stress.scheduled import RandomWalk, run_controlled

    def body() -> list[float]:
        time.sleep(0.25)  # noqa: TID251 -- virtual
        return [time.monotonic(), time.perf_counter(), time.time()]

    outcome = run_controlled(body, RandomWalk(1))
    assert outcome.status == "completed", outcome.reason
    readings: list[float] = outcome.result
    return readings


def _straight_line(shared: list[int]) -> None:
    """No branch, no loop, no Python call: each bytecode runs once."""
    first = 1
    second = first + 2
    shared.append(second)
    third = shared[0]
    shared[0] = third - 1


def bytecode_points() -> dict[str, Any]:
    """Job: the points one run of :func:`_straight_line` takes between bytecodes, and
    what :data:`stress.trial.sched_points.FRAME_ONLY` says they should be: one at each
    line and one before each bytecode that is not frame-only."""
    import dis

    from stress.scheduled import RandomWalk, run_controlled
    from stress.trial.sched_points import FRAME_ONLY, LinePoints

    code = _straight_line.__code__
    instructions = [i for i in dis.get_instructions(code) if i.opname != "RESUME"]
    lines = {i.positions.lineno for i in instructions if i.positions is not None}
    outside = [i.opname for i in instructions if i.opcode not in FRAME_ONLY]
    points = LinePoints(opcodes=True)
    points.start()
    try:
        outcome = run_controlled(functools.partial(_straight_line, [5]), RandomWalk(1))
    finally:
        points.stop()
    assert outcome.status == "completed", outcome.reason
    return {
        "events": points.events,
        "lines": len(lines),
        "outside": outside,
        "frame_only": sorted(i.opname for i in instructions if i.opcode in FRAME_ONLY),
    }


def keyed_replay() -> dict[str, Any]:
    """Job: a random walk's schedule of single_pool (3 workers, 3 items), run again by
    key with all of its preemptions (``whole``) and with every other one (``some``)."""
    import dataclasses

    from stress.core.config import TrialConfig
    from stress.forms.targets import parse_target
    from stress.scheduled.preemptions import Keyed, keys_of
    from stress.scheduled.strategies import RandomWalk
    from stress.trial import sched_child

    spec = parse_target("single_pool")
    target = spec.resolve()
    config = TrialConfig(seed=1, k=0, workers=(3,), items=3, mode="scheduled", spin=0.0)
    form = spec.form.open_trial(dataclasses.replace(config), target)
    trial = sched_child._Trial(spec, config, target, 10.0, form)
    done = trial.run_one(RandomWalk(11), points="sync")
    keys = keys_of(done.deciders)
    decisions = done.outcome.decisions
    handoffs = {keys[i]: d for i, d in enumerate(decisions) if i not in set(done.at)}
    whole = trial.run_one(Keyed({keys[i]: decisions[i] for i in done.at}, handoffs), points="sync")
    kept = done.at[::2]
    some = trial.run_one(Keyed({keys[i]: decisions[i] for i in kept}, handoffs), points="sync")
    return {
        "decisions": decisions,
        "at": done.at,
        "whole": whole.outcome.decisions,
        "whole_at": whole.at,
        "kept": [list(keys[i]) for i in kept],
        "some_at": [list(keys_of(some.deciders)[i]) for i in some.at],
    }


def open_descriptors(runs: int) -> dict[str, Any]:
    """Descriptors open before and after ``runs`` runs of each end (completed, deadlock,
    threads leaked), on reused and on new OS threads: each run gives its gates back."""
    from stress.scheduled import RandomWalk, run_controlled

    bodies = (_thread_subclass, _lock_order_deadlock, _leaves_threads_behind)
    for body in bodies:  # the idle workers a reusing run leaves keep their wake gates
        run_controlled(body, RandomWalk(0), reuse_os_threads=True)
    before = len(os.listdir("/proc/self/fd"))
    statuses = set()
    for k in range(runs):
        for body in bodies:
            outcome = run_controlled(body, RandomWalk(k), reuse_os_threads=k % 2 == 0)
            statuses.add(outcome.status)
    after = len(os.listdir("/proc/self/fd"))
    return {"before": before, "after": after, "statuses": sorted(statuses)}


def points_in_turn(kinds: list[str]) -> list[int]:
    """Job: the points each of a row of runs of :func:`_straight_line` takes, one run a
    kind of points in ``kinds`` order, all in this one process (as a trial's child runs
    its schedules); a sync run starts no point-taker and counts none."""
    from stress.scheduled import RandomWalk, run_controlled
    from stress.trial.sched_points import LinePoints

    counts = []
    for kind in kinds:
        points = None if kind == "sync" else LinePoints(opcodes=kind == "ops")
        if points is not None:
            points.start()
        try:
            outcome = run_controlled(functools.partial(_straight_line, [5]), RandomWalk(1))
        finally:
            if points is not None:
                points.stop()
        assert outcome.status == "completed", outcome.reason
        counts.append(outcome.steps)
    return counts
