"""separate_pools: the tutorial's last listing, one pool per stage.

Protocol: one ``ThreadPoolExecutor(workers[k])`` per stage running the single_pool
loop; the caller feeds every item, reads ``len(items)`` results but stops early at the
first ``None`` it reads (as printed), then puts ``None`` on the first queue and shuts
each pool down in order, outside any ``try``.
Holds: with plain values, no faults and unbounded queues.
Fails: a stage exception leaves the count short and the caller waits forever; ``None``
as data stops the read early (loss); a consumer that raises leaves every pool thread
blocked in ``get()``, so the interpreter never exits; bounded queues hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from reference._skeleton import Run, TutorialPipeline


class SeparatePools(TutorialPipeline):
    """Counted read with an early stop at ``None``; pools shut down only on success."""

    name: ClassVar[str] = "separate_pools"
    accepted_settings = frozenset({"maxsize"})

    def _drive(self, run: Run, items: list[Any]) -> Iterator[object]:
        for k, stage in enumerate(run.stages):
            pool = ThreadPoolExecutor(run.workers[k], thread_name_prefix=f"{self.name}-s{k}")
            run.executors.append(pool)
            for w in range(run.workers[k]):
                pool.submit(self._worker, run, k, w, stage)  # future discarded, as printed
        # No try/finally, as printed: a consumer that raises skips the shutdown below.
        yield from self._consume(run, items)

    def _consume(self, run: Run, items: list[Any]) -> Iterator[object]:
        self._feed(run, items)
        for _ in range(len(items)):
            data = run.last.get()
            if data is None:  # the printed early stop
                break
            yield data
        run.first.put(None)
        for pool in run.executors:
            pool.shutdown()
