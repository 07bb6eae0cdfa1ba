"""counted: the tutorial's first fix, counting results before sending the marker.

Protocol: as single_pool, but the caller reads exactly ``len(items)`` results from the
last queue and only then puts ``None`` on the first queue.
Holds: with plain values and no faults, nothing can be overtaken (no loss, no hang).
Fails: a stage exception leaves a result missing, so the caller waits forever; a stage
returning ``None`` is counted as a result (spurious ``None``s) or starves the count; a
pool smaller than ``sum(workers)`` never starts the last stage; bounded queues hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from reference._skeleton import Run, TutorialPipeline


class Counted(TutorialPipeline):
    """Trusts ``len(items)`` results to arrive; a missing one blocks the caller forever."""

    name: ClassVar[str] = "counted"
    accepted_settings = frozenset({"maxsize", "pool_size"})

    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        self._feed(run, items)
        for _ in range(len(items)):
            yield run.last.get()
        run.first.put(None)
