"""barrier: the tutorial's barrier fix done right, on every stage.

Protocol: as single_pool, but every worker that reads ``None`` re-puts it and waits
on its stage's ``Barrier(workers[k])``; only then does each forward the marker, so no
sibling can still be working when the next stage sees it.
Holds: with plain values, no faults and a pool of at least ``sum(workers)`` threads.
Fails: a stage exception kills a worker that never reaches the barrier (hang); a
barrier sized unlike the stage hangs or releases in groups (loss); a pool too small
for a stage's barrier never fills it; ``None`` as data ends the run; bounded queues hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from reference._skeleton import Run, TutorialPipeline


class Barrier(TutorialPipeline):
    """Siblings meet at a barrier before the marker moves downstream."""

    name: ClassVar[str] = "barrier"
    accepted_settings = frozenset({"maxsize", "pool_size", "barrier_parties"})

    def _before_forwarding_marker(self, run: Run, k: int) -> None:
        run.barriers[k].wait()

    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        self._feed(run, items)
        run.first.put(None)
        while (data := run.last.get()) is not None:
            yield data
