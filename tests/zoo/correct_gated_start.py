"""Correct: every worker and the caller wait, untimed, for a gate a timer opens.

For most of a trial (0.6 s) each worker sits in ``Event.wait()`` and the caller in
``Queue.get()``, none with a timeout and none using CPU: it looks like a deadlock.  It
is not, because one more thread waits *with* a timeout (``Event.wait(0.6)``), then
opens the gate.  The deadlock proof must not fire: a timed wait can always end.
Once open, it is an ordinary countdown pipeline: the last worker of a stage to leave
forwards the end marker, a stage error is remembered and re-raised after the joins.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: frozenset[str] = frozenset()
OPTIONS: dict[str, object] = {}

#: How long the gate stays shut: longer than the proof's window, shorter than a trial.
GATE_SECONDS = 0.6
#: Every trial lasts the gate at least: a full 30 s search runs about 90 of them.
MIN_FULL_TRIALS = 40

_END = object()


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    gate = threading.Event()
    queues: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []
    left = list(workers)
    lock = threading.Lock()

    def work(k: int) -> None:
        gate.wait()
        while (item := queues[k].get()) is not _END:
            if errors:
                continue  # a stage failed: drain to the marker
            try:
                queues[k + 1].put(stages[k](item))
            except Exception as error:
                with lock:
                    errors.append(error)
        queues[k].put(_END)  # for this stage's other workers
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            queues[k + 1].put(_END)

    def open_later() -> None:
        threading.Event().wait(GATE_SECONDS)
        gate.set()

    threads = [threading.Thread(target=open_later)]
    threads += [
        threading.Thread(target=work, args=(k,)) for k, w in enumerate(workers) for _ in range(w)
    ]
    for thread in threads:
        thread.start()
    for item in items:
        queues[0].put(item)
    queues[0].put(_END)
    results = []
    while (result := queues[-1].get()) is not _END:
        results.append(result)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
