"""What every pipeline variant shares: settings, argument checks, queues, thread names.

A *target* is ``pipeline(items, stages, workers) -> Iterable[object]`` (CONTRACT.md
section 1): item ``x`` must come out as ``stages[-1](...stages[0](x))``, exactly once.

:class:`TutorialPipeline` is the skeleton of the tutorial's protocol: stage ``k`` reads
queue ``k`` and writes queue ``k + 1``; the caller feeds queue 0 and reads the last
queue.  A variant overrides only the hooks that are its shutdown protocol:

* :meth:`TutorialPipeline._serve_stage`: one worker's loop (how it sees the end);
* :meth:`TutorialPipeline._before_forwarding_marker`: what a worker does as it leaves;
* :meth:`TutorialPipeline._consume`: what the caller does after the input ends;
* :meth:`TutorialPipeline._run_workers`: which executors run the loops.

Per-run state lives in a :class:`Run` made inside each call; variant objects hold
only their settings, so one object may serve many concurrent calls.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

Stage = Callable[[Any], Any]
Target = Callable[[Sequence[Any], Sequence[Stage], Sequence[int]], Iterable[object]]

SETTING_NAMES = ("maxsize", "pool_size", "barrier_parties")


@dataclass(frozen=True)
class Settings:
    """The knobs ``reference.make`` exposes (CONTRACT.md section 2)."""

    maxsize: int = 0
    pool_size: int | None = None
    barrier_parties: int | None = None

    def __post_init__(self) -> None:
        _check_int("maxsize", self.maxsize, minimum=0)
        if self.pool_size is not None:
            _check_int("pool_size", self.pool_size, minimum=1)
        if self.barrier_parties is not None:
            _check_int("barrier_parties", self.barrier_parties, minimum=1)


def _check_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def check_shape(stages: Sequence[Stage], workers: Sequence[int]) -> None:
    """Raise ``ValueError``/``TypeError`` unless ``stages`` and ``workers`` fit section 1."""
    if len(stages) == 0:
        raise ValueError("stages must be a non-empty list of callables")
    if len(workers) != len(stages):
        raise ValueError(f"workers has {len(workers)} entries for {len(stages)} stages")
    for k, stage in enumerate(stages):
        if not callable(stage):
            raise TypeError(f"stages[{k}] is not callable")
    for k, width in enumerate(workers):
        _check_int(f"workers[{k}]", width, minimum=1)


def name_current_thread(variant: str, stage: int, worker: int) -> None:
    """Name the running thread ``<variant>-s<stage>-w<worker>`` so stack dumps say who."""
    threading.current_thread().name = f"{variant}-s{stage}-w{worker}"


class Variant(ABC):
    """A target with fixed settings; subclasses name the settings they honour."""

    name: ClassVar[str]
    accepted_settings: ClassVar[frozenset[str]] = frozenset({"maxsize"})

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    @abstractmethod
    def __call__(
        self, items: Iterable[Any], stages: Sequence[Stage], workers: Sequence[int]
    ) -> Iterator[object]:
        """Run ``items`` through ``stages`` with ``workers[k]`` threads on stage ``k``."""

    def __repr__(self) -> str:
        return f"<{self.name} {self.settings}>"


@dataclass
class Run:
    """State of one call of a tutorial variant: its queues and barriers."""

    stages: Sequence[Stage]
    workers: Sequence[int]
    queues: list[queue.Queue[Any]]
    barriers: list[threading.Barrier]
    executors: list[ThreadPoolExecutor] = field(default_factory=list)

    @property
    def first(self) -> queue.Queue[Any]:
        return self.queues[0]

    @property
    def last(self) -> queue.Queue[Any]:
        return self.queues[-1]


class TutorialPipeline(Variant):
    """The tutorial's protocol: a ``None`` marker that each worker re-puts and forwards.

    Flaws kept on purpose: ``None`` is the end marker so ``None`` as data ends the run;
    futures are discarded so a stage exception is never seen; every queue shares one
    ``maxsize`` so re-put markers may not fit.
    """

    def __call__(
        self, items: Iterable[Any], stages: Sequence[Stage], workers: Sequence[int]
    ) -> Iterator[object]:
        check_shape(stages, workers)
        return self._drive(self._new_run(stages, workers), list(items))

    def _new_run(self, stages: Sequence[Stage], workers: Sequence[int]) -> Run:
        maxsize = self.settings.maxsize
        parties = self.settings.barrier_parties
        return Run(
            stages=list(stages),
            workers=list(workers),
            queues=[queue.Queue(maxsize) for _ in range(len(stages) + 1)],
            barriers=[threading.Barrier(parties or width) for width in workers],
        )

    def _drive(self, run: Run, items: list[Any]) -> Iterator[object]:
        """The caller's side as a generator: the caller's loop is the listing's consumer."""
        with self._run_workers(run):
            yield from self._consume(run, items)

    def _run_workers(self, run: Run) -> ThreadPoolExecutor:
        """Default: one shared pool of ``pool_size`` (default ``sum(workers)``) threads."""
        size = self.settings.pool_size or sum(run.workers)
        pool = ThreadPoolExecutor(size, thread_name_prefix=self.name)
        for k, stage in enumerate(run.stages):
            for w in range(run.workers[k]):
                pool.submit(self._worker, run, k, w, stage)  # future discarded, as printed
        return pool

    def _worker(self, run: Run, k: int, w: int, stage: Stage) -> None:
        name_current_thread(self.name, k, w)
        self._serve_stage(run, k, stage)

    def _serve_stage(self, run: Run, k: int, stage: Stage) -> None:
        """The listing's task loop: on ``None`` re-put it, forward it, stop."""
        q_in, q_out = run.queues[k], run.queues[k + 1]
        while True:
            data = q_in.get()
            if data is None:
                q_in.put(None)
                self._before_forwarding_marker(run, k)
                q_out.put(None)
                break
            q_out.put(stage(data))

    def _before_forwarding_marker(self, run: Run, k: int) -> None:
        """Hook: what a worker does between re-putting and forwarding the marker."""

    @abstractmethod
    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        """The caller's main loop after the workers are submitted."""

    @staticmethod
    def _feed(run: Run, items: list[Any]) -> None:
        for item in items:
            run.first.put(item)
