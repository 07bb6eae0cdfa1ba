"""A trial's items, stages and expected results, rebuilt from its :class:`TrialConfig`.

Invariants:

* Values are a pure function of the config: the same items, the same stage function,
  the same expected multiset in every process.  Only timing varies.
* A stage's value map is injective on plain ints and no composition of stages that
  skips, repeats or reorders one lands back in the expected set: items are distinct
  ints in ``[10**6, 2 * 10**6)`` and stage ``s`` maps ``x`` to ``x * M[s] + C[s]``.
* Awkward values (``None``, ``0``, ``False``, ``""``, ``True``, equal duplicates, lists
  and dicts) appear as items and as stage *outputs*; falsy values and ``True`` flow
  through every later stage unchanged, lists and dicts are rebuilt with their ints
  mapped.  A pipeline that uses ``None`` or any falsy value as its end marker meets one.
* Stage calls are counted (``calls``, exact, for fault placement) and ``progress``
  moves on every call's entry and exit (lossy increments; only "did it move" matters).

Timing noise (the harness's, hence ``time.sleep`` here) depends on (seed, k, stage,
call index); schedules aimed at shutdown slow the last or first call of a stage, or
every call made by one sibling thread.  A stall (``stall_ms``) holds one call asleep
for up to :attr:`Workload.stall_cap` seconds; ``stalling`` is set meanwhile, so the
watchdog counts the harness's own sleep as progress.

The harness's delay is bounded in every trial, whatever the item count and whichever
form drew the config (:meth:`Workload.set_timeout`):

* noise (every schedule's per-call delays and spins) draws on one budget of
  :data:`NOISE_SHARE` x the trial timeout for all threads together; a delay is granted
  under a lock before it is slept, so the total, and hence any one thread's share, never
  exceeds it; once spent, calls run undelayed;
* two deliberate calls are outside that budget and bounded on their own: the stall (at
  most ``stall_cap``) and the ``outlive`` schedule's one long call
  (:data:`stress.core.power.OUTLIVE_S`);
* ``injected`` sums every second granted (noise, stall and outlive), and the watchdog
  adds it to the trial timeout, so a HANG is never suspected while the harness's own
  sleeps explain the wait.  (A one-thread stage given 300 items under ``sibling_slow``
  once slept 8 s and was reported HANG on correct code.)
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from stress.core.config import EVERY_CALL, TrialConfig
from stress.core.errors import TOKEN_PREFIX, InjectedFault
from stress.core.power import extreme_delay

#: Share of the trial timeout that the harness's timing noise may take in one trial, all
#: threads together (the stall and the outlive call are bounded separately).
NOISE_SHARE = 0.25

_MULTIPLIERS = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
_MASK = (1 << 64) - 1


def _mix(*parts: int) -> float:
    """A float in [0, 1) from ints (splitmix64); cheap and the same everywhere."""
    z = 0x9E3779B97F4A7C15
    for part in parts:
        z = (z ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        z = (z ^ (z >> 31)) * 0x94D049BB133111EB & _MASK
        z ^= z >> 29
    return (z >> 11) / float(1 << 53)


def _affine(stage: int, value: int) -> int:
    """Stage ``stage``'s map of a plain int: ``value * M + C``.

    The offsets are large and unlike each other, so two stages applied in the other
    order, or a stage skipped or repeated, land far from every expected result.
    """
    multiplier = _MULTIPLIERS[stage % len(_MULTIPLIERS)] + 40 * (stage // len(_MULTIPLIERS))
    return value * multiplier + (stage + 1) * 100_000_000_003 + stage * stage * 13


_AWKWARD_OUTPUTS = ("none", "zero", "false", "empty", "list", "dict", "none")


class Values:
    """The deterministic value side of a trial: items and pure stage maps."""

    def __init__(self, config: TrialConfig) -> None:
        self.config = config
        self._salt = int(_mix(config.seed, config.k, 7) * (1 << 53))
        self.items = self._make_items()

    def _make_items(self) -> list[Any]:
        c = self.config
        base = 10**6
        items: list[Any] = []
        for i in range(c.items):
            u = _mix(self._salt, 1, i)
            plain = base + int(_mix(self._salt, 2, i) * 10**6)
            while plain in items:
                plain += 1
            if c.awkward and u < c.awkward:
                kind = int(_mix(self._salt, 3, i) * 9)
                choices: list[Any] = [None, 0, False, "", True, [plain], {"v": plain}, None]
                if kind < len(choices):
                    items.append(choices[kind])
                else:
                    ints = [x for x in items if type(x) is int and x >= base]
                    items.append(ints[-1] if ints else None)  # an equal duplicate
            else:
                items.append(plain)
        return items

    def apply(self, stage: int, value: Any) -> Any:
        """Stage ``stage``'s pure value map (no timing, no fault)."""
        if (
            value is None
            or isinstance(value, bool)
            or value == ""
            or (type(value) is int and value == 0)
        ):
            return value
        if type(value) is int:
            if self.config.awkward and _mix(self._salt, 4, stage, value) < self.config.awkward / 2:
                kind = _AWKWARD_OUTPUTS[int(_mix(self._salt, 5, stage, value) * 7)]
                return {
                    "none": None,
                    "zero": 0,
                    "false": False,
                    "empty": "",
                    "list": [value],
                    "dict": {"v": value},
                }[kind]
            return _affine(stage, value)
        if isinstance(value, list):
            return [self._inner(stage, v) for v in value]
        if isinstance(value, dict):
            return {key: self._inner(stage, v) for key, v in value.items()}
        raise TypeError(f"stage {stage} got a value the harness never made: {value!r}")

    def _inner(self, stage: int, value: Any) -> Any:
        return _affine(stage, value) if type(value) is int else value

    def expected(self) -> list[Any]:
        """Each item through every stage, in item order."""
        out = []
        for item in self.items:
            value = item
            for stage in range(self.config.stages):
                value = self.apply(stage, value)
            out.append(value)
        return out


class Workload(Values):
    """:class:`Values` plus the instrumented stage callables handed to the target."""

    def __init__(self, config: TrialConfig) -> None:
        super().__init__(config)
        self._calls = [itertools.count() for _ in range(config.stages)]
        self.calls_started = [0] * config.stages  # lossy under races; for reports only
        self.progress = [0]  # moves on every stage entry and exit (lossy is fine)
        self.faults: list[InjectedFault] = []  # every fault raised, kept alive for id()
        self.tokens: set[str] = set()
        self._ranks: dict[int, int] = {}
        self._rank_counter = [itertools.count() for _ in range(config.stages)]
        self.stages: list[Callable[[Any], Any]] = [
            self._make_stage(s) for s in range(config.stages)
        ]
        self.stall_cap = 1.4  # the child sets it below its trial timeout
        self.stalling = [0]  # 1 while the stalled call sleeps
        self._stall_ticket = [True]  # popped by the one call that stalls
        self.noise_budget = NOISE_SHARE * 2.0  # seconds of noise; set_timeout() sets it
        self.noise_spent = 0.0
        self.injected = [0.0]  # seconds of delay granted so far: noise, stall, outlive
        self._grant_lock = threading.Lock()  # made before any pressure is installed

    def set_timeout(self, trial_timeout: float, stall_share: float) -> None:
        """Bound this trial's delays by its timeout (see the module docstring)."""
        self.stall_cap = stall_share * trial_timeout
        self.noise_budget = NOISE_SHARE * trial_timeout

    def grant(self, seconds: float, *, deliberate: bool = False) -> float:
        """Seconds of the ``seconds`` asked that the calling thread may now delay.

        Noise is granted from the trial's budget (possibly in part, possibly nothing);
        a ``deliberate`` delay (the stall, the outlive call) is granted whole.  Either
        way what is granted is added to ``injected`` before the caller sleeps.
        """
        with self._grant_lock:
            if not deliberate:
                seconds = min(seconds, self.noise_budget - self.noise_spent)
                if seconds <= 0:
                    return 0.0
                self.noise_spent += seconds
            self.injected[0] += seconds
        return seconds

    def _make_stage(self, stage: int) -> Callable[[Any], Any]:
        def stage_call(value: Any) -> Any:
            return self._call(stage, value)

        stage_call.__name__ = stage_call.__qualname__ = f"stress_stage_{stage}"
        return stage_call

    def _call(self, stage: int, value: Any) -> Any:
        n = next(self._calls[stage])
        self.progress[0] += 1
        self.calls_started[stage] += 1
        try:
            if not self._stall(stage, n):
                self._delay(stage, n)
            c = self.config
            if c.fault_stage == stage and c.fault_call in (n, EVERY_CALL):
                token = f"{TOKEN_PREFIX}{c.seed}.{c.k}.{stage}.{n}"
                fault = InjectedFault(token)
                self.tokens.add(token)
                self.faults.append(fault)
                raise fault
            return self.apply(stage, value)
        finally:
            self.progress[0] += 1

    # -- timing noise -------------------------------------------------------------

    def _rank(self, stage: int) -> int:
        """0 for the first thread that called this stage, 1 for the next, ..."""
        key = threading.get_ident() * 64 + stage
        rank = self._ranks.get(key)
        if rank is None:
            rank = self._ranks.setdefault(key, next(self._rank_counter[stage]))
        return rank

    def _stall(self, stage: int, n: int) -> bool:
        """Sleep through the config's one stalled call, if this is it."""
        c = self.config
        if not c.stall_ms or stage != c.stall_stage:
            return False
        hit = (
            (c.stall_at == "first" and n == 0)
            or (c.stall_at == "last" and n == c.items - 1)
            or (c.stall_at == "sibling" and self._rank(stage) == min(1, c.workers[stage] - 1))
        )
        if not hit:
            return False
        try:
            self._stall_ticket.pop()  # atomic: only one call ever stalls
        except IndexError:
            return False
        seconds = self.grant(min(c.stall_ms * 1e-3, self.stall_cap), deliberate=True)
        self.stalling[0] = 1
        try:
            time.sleep(seconds)  # noqa: TID251 -- the stall
        finally:
            self.stalling[0] = 0
        return True

    def delay_seconds(self, stage: int, n: int) -> float:
        c = self.config
        if c.schedule in ("outlive", "burst"):
            return extreme_delay(c, stage, n)
        u = _mix(self._salt, 6, stage, n)
        small = 0.0
        if c.schedule == "uniform":
            small = 0.0 if u < 0.4 else -c.delay_us * 1e-6 * _log(_mix(self._salt, 7, stage, n))
        elif c.schedule == "heavy":
            v = max(_mix(self._salt, 8, stage, n), 1e-9)
            small = min(c.delay_us * 1e-6 * (v**-0.8 - 1.0), 0.02)
        elif c.schedule in ("last_slow", "first_slow", "sibling_slow"):
            small = 0.0 if u < 0.6 else c.delay_us * 1e-6 * u
            if stage == c.slow_stage:
                slow = (
                    (c.schedule == "last_slow" and n >= c.items - 1 - int(u * 2))
                    or (c.schedule == "first_slow" and n == 0)
                    or (c.schedule == "sibling_slow" and self._rank(stage) == 0)
                )
                if slow:
                    return c.slow_ms * 1e-3
        return small

    def _delay(self, stage: int, n: int) -> None:
        seconds = self.delay_seconds(stage, n)
        if seconds <= 0:
            return
        spin = bool(self.config.spin) and _mix(self._salt, 9, stage, n) < self.config.spin
        if spin:
            seconds = min(seconds, 0.002)  # hold the GIL, briefly
        seconds = self.grant(seconds, deliberate=self.config.schedule == "outlive")
        if seconds <= 0:
            return
        if spin:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass
        else:
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:  # a long sleep shows it advances
                time.sleep(min(left, 0.1))  # noqa: TID251 -- the harness's timing noise
                self.progress[0] += 1


def _log(u: float) -> float:
    return math.log(max(u, 1e-12))
