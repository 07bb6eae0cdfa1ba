"""single_pool: the tutorial's first listing.

Protocol: one shared pool of ``sum(workers)`` threads; a worker that reads ``None``
re-puts it on its input queue and forwards it at once; the caller feeds every item,
then ``None``, and reads the last queue until it sees ``None``.
Holds: with one worker per stage (a single FIFO worker cannot be overtaken).
Fails: with 2+ workers in a stage the marker overtakes items still being worked on,
so results are lost (about 8 of 20 at 5+5), some stranded in a middle queue; a stage
exception is swallowed; ``None`` as data ends the run; bounded queues hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from reference._skeleton import Run, TutorialPipeline


class SinglePool(TutorialPipeline):
    """Reads until the first ``None``: whatever is still in flight is lost."""

    name: ClassVar[str] = "single_pool"
    accepted_settings = frozenset({"maxsize", "pool_size"})

    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        self._feed(run, items)
        run.first.put(None)
        while (data := run.last.get()) is not None:
            yield data
