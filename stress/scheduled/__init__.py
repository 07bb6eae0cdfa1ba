"""Deterministic mode's core: a controlled scheduler for a target's real threads.

May import: nothing of stress (the standard library only).  Tested on its own
(tests/test_sched_*.py); the harness runs trials on it through
:mod:`stress.trial.controlled` (``--mode scheduled``, ``check(mode="scheduled")``).

Design, bottom up:

* ``_real``: CPython's primitives, saved before anything is replaced.
* ``_fresh``: what a reused OS thread must forget between two controlled threads.
* ``standins``: ``install()`` replaces the layer ``threading``, ``queue``,
  ``concurrent.futures`` and ``multiprocessing.pool.ThreadPool`` are built on
  (``_thread`` locks, RLocks and thread start, 3.13+ thread handles, 3.11/3.12 join
  sentinels, ``SimpleQueue``, the ``time`` clocks and ``sleep``, the fd wait of
  ``ThreadPool``) and what ``threading``/``queue`` captured of it at import.  Those
  modules then run unchanged on top, ``Thread`` subclasses and executors made inside
  functions included.  ``Thread`` and ``Future`` objects hash by creation order within
  a run, so the sets the standard library iterates (``ThreadPoolExecutor.shutdown``,
  ``concurrent.futures.wait``) iterate alike in a run and its replay.
* ``gate``: where a thread parks until it is picked (an eventfd; a real lock elsewhere).
* ``scheduler``: real OS threads run one at a time, each parked on its own gate;
  at every synchronisation point the running thread asks the strategy who runs next.
  Timed waits and sleeps advance a virtual clock when nothing else can run.  When
  nothing can run and nothing can time out: completed (the caller returned; what
  still waits is leaked) or a deadlock, at once, with a wait-for table (``waitfor``).
* ``strategies``: a seeded random walk and PCT of depth 1 to 3, drawn from (seed, k);
  a schedule is the list of choices, and ``Replay`` of that list is exact.
* ``run``: ``run_controlled(body, strategy) -> ControlledOutcome``, the one call a
  trial executor makes, in a child that has not imported the target before
  ``install()``.  Honesty: no scheduler step for ``stall_seconds`` of real time (a
  pipe read, a lock made before the stand-ins, a C call), a stand-in touched by a
  thread the scheduler did not start, or such a thread alive when every controlled
  thread waits: the run is *uncontrolled*, never a pass.
* ``one_cpu``: ``pin()`` keeps a trial's child on one CPU where the GIL is on (its
  threads run one at a time; hand-overs on one CPU cost half as much).
* ``child`` runs a job in a fresh interpreter with a real-time bound; ``pipelines``
  judges a CONTRACT section-1 target under many schedules in one process.

Limits: this package switches threads at synchronisation points only (points inside
the target's own code are added by :mod:`stress.trial.sched_points`; a spin loop
without either is reported uncontrolled after the stall bound), the clock moves only
when every thread waits (a timeout never fires while another thread could run), and
cyclic GC is off during a run.  Reusing OS
threads across runs (``reuse_os_threads``, off by default; the trials of
:mod:`stress.trial.controlled` turn it on) saves a thread start and makes the
hand-overs faster; between two lives a worker forgets what a new thread would not
have (``_fresh``: thread-locals, trace and profile functions).
"""

from __future__ import annotations

from stress.scheduled import _real  # noqa: F401 - first: saves the real primitives
from stress.scheduled.run import ControlledOutcome, run_controlled
from stress.scheduled.standins import install
from stress.scheduled.strategies import PCT, RandomWalk, Replay, draw

__all__ = ["PCT", "ControlledOutcome", "RandomWalk", "Replay", "draw", "install", "run_controlled"]
