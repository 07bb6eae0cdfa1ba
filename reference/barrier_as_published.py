"""barrier_as_published: the tutorial's barrier listing exactly as printed.

Protocol: as single_pool, but a first-stage worker that reads ``None`` re-puts it,
waits on a ``Barrier(workers[0])`` with its siblings, then forwards it.  Every later
stage runs the printed second task, which checks for ``None`` twice: the first check
forwards at once and breaks, so the barrier branch after it is unreachable.
Holds: for stage 1 (its workers meet before the marker moves on), and with one worker
in every later stage.
Fails: stage 2 and later still race the marker (about 16 of 20 results at 5+5; rarest
at 16 workers and 1 item); a stage-1 fault hangs at the barrier, a later one is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from reference._skeleton import Run, Stage, TutorialPipeline


class BarrierAsPublished(TutorialPipeline):
    """Stage 1 meets at a barrier; later stages return before reaching theirs."""

    name: ClassVar[str] = "barrier_as_published"
    accepted_settings = frozenset({"maxsize", "pool_size", "barrier_parties"})

    def _serve_stage(self, run: Run, k: int, stage: Stage) -> None:
        if k == 0:
            super()._serve_stage(run, k, stage)
        else:
            self._printed_second_task(run, k, stage)

    def _before_forwarding_marker(self, run: Run, k: int) -> None:
        run.barriers[k].wait()

    def _printed_second_task(self, run: Run, k: int, stage: Stage) -> None:
        q_in, q_out = run.queues[k], run.queues[k + 1]
        while True:
            data = q_in.get()
            if data is None:  # the printed first check: no barrier
                q_in.put(None)
                q_out.put(None)
                break
            if data is None:  # the printed second check: never true here
                q_in.put(None)
                self._before_forwarding_marker(run, k)
                q_out.put(None)
                break
            q_out.put(stage(data))

    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        self._feed(run, items)
        run.first.put(None)
        while (data := run.last.get()) is not None:
            yield data
