"""DUPLICATED: workers share an unlocked output batch; two can flush the same batch
(duplicates) and an append between ``extend`` and ``clear`` is dropped (losses)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED = frozenset({"DUPLICATED", "LOST"})
OPTIONS: dict[str, object] = {"faults": False, "awkward": False}

BATCH = 2


def pipeline(
    items: Sequence[Any], stages: Sequence[Callable[[Any], Any]], workers: Sequence[int]
) -> list[Any]:
    values = list(items)
    for fn, width in zip(stages, workers, strict=True):
        inbox: queue.Queue[Any] = queue.Queue()
        for v in values:
            inbox.put(v)
        out: list[Any] = []
        batch: list[Any] = []

        def work(
            fn: Callable[[Any], Any], inbox: queue.Queue[Any], out: list[Any], batch: list[Any]
        ) -> None:
            while True:
                try:
                    v = inbox.get_nowait()
                except queue.Empty:
                    break
                batch.append(fn(v))
                if len(batch) >= BATCH:
                    out.extend(batch)
                    batch.clear()
            if batch:
                out.extend(batch)
                batch.clear()

        threads = [
            threading.Thread(target=work, args=(fn, inbox, out, batch)) for _ in range(width)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        values = out
    return values
