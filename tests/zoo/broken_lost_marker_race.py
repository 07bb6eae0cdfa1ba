"""LOST: threads and one shared ``None`` marker forwarded as soon as a worker sees it.

The marker overtakes items that sibling workers are still processing, so the caller
stops reading before they arrive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"LOST"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(k: int) -> None:
        while True:
            x = qs[k].get()
            if x is None:
                qs[k].put(None)  # for my siblings
                qs[k + 1].put(None)  # and onward, at once
                return
            qs[k + 1].put(stages[k](x))

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k in range(len(stages))
        for _ in range(workers[k])
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    qs[0].put(None)
    out = []
    while (x := qs[-1].get()) is not None:
        out.append(x)
    return out
