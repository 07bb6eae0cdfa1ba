"""LEAKED_WORKER: on a stage error the pool is shut down without waiting for its
running calls.

Stage by stage, one pool per stage; results are read in order, and the first error
shuts the pool down with ``wait=False`` and re-raises.  A call still running then keeps
its worker thread alive after the pipeline has raised: with calls of microseconds
nobody notices, with one call longer than the 1.0 s grace it is a leaked worker.
``fixed_pipeline`` waits for the running calls (``wait=True``) before raising.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

EXPECTED = frozenset({"LEAKED_WORKER"})
OPTIONS: dict[str, object] = {"awkward": False}


def _run(
    items: Sequence[Any],
    stages: Sequence[Callable[[Any], Any]],
    workers: Sequence[int],
    *,
    wait: bool,
) -> list[Any]:
    values = list(items)
    for k, stage in enumerate(stages):
        pool = ThreadPoolExecutor(workers[k], thread_name_prefix=f"abandon-s{k}")
        futures = [pool.submit(stage, value) for value in values]
        try:
            values = [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=wait, cancel_futures=True)  # the defect: wait=False
            raise
        pool.shutdown(wait=True)
    return values


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return _run(items, stages, workers, wait=False)


def fixed_pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    return _run(items, stages, workers, wait=True)
