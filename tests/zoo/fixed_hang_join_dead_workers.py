"""HANG: join-based shutdown; a stage error kills a worker before ``task_done()``.

The caller puts every item, then waits in ``Queue.join()`` for the workers to mark
them done.  An exception in ``enrich`` ends that worker's thread with its item never
marked done, so ``join()`` never returns; the other workers idle in ``get()``.
Every thread then waits, untimed, on another: a deadlock the harness must prove, and
name, before the trial timeout (under the fixed form's pressure too).
"""

from __future__ import annotations

import queue
import threading
from typing import Any

# Its workers are daemons nobody stops: with no stage error (no items, say) the call
# returns and leaves them idle in get(), a leak the deterministic mode met first.
EXPECTED = frozenset({"HANG", "LEAKED_WORKER"})
PATCH = ("tests.zoo.fixed_hang_join_dead_workers:enrich",)
EXPECT = "tests.zoo.fixed_hang_join_dead_workers:enrich"


def enrich(record: int) -> tuple[int, int]:
    return (record, record % 7)


def pipeline(records: list[int]) -> list[tuple[int, int]]:
    todo: queue.Queue[Any] = queue.Queue()
    out: list[tuple[int, int]] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            record = todo.get()
            enriched = enrich(record)
            with lock:
                out.append(enriched)
            todo.task_done()

    for _ in range(3):
        threading.Thread(target=work, daemon=True).start()
    for record in records:
        todo.put(record)
    todo.join()
    return out
