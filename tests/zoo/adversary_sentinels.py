"""Adversary pipelines (the independent judge's zoo): end markers counted wrongly.

Every function here is a target ``pipeline(items, stages, workers)``; its docstring
says the defect and the categories a harness may rightly report.  ``EXPECTED`` maps
each function's name to those categories.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

EXPECTED: dict[str, frozenset[str]] = {
    "forward_own_marker": frozenset({"HANG", "LOST"}),
    "markers_for_own_width": frozenset({"HANG"}),
    "join_with_timeout": frozenset({"LOST", "SWALLOWED_ERROR"}),
    "bounded_reput_markers": frozenset({"HANG", "LEAKED_WORKER"}),
}

_STOP = object()
Stages = Sequence[Callable[[Any], Any]]


def forward_own_marker(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """HANG or LOST: each worker forwards the marker it received as it leaves.

    Stage k+1 then gets ``workers[k]`` markers for its ``workers[k+1]`` workers.  Wider
    downstream: some workers never get one and the caller, which waits for one marker
    per last-stage worker, waits forever.  Narrower downstream: every downstream worker
    may leave on early markers while an upstream sibling still holds an item, which is
    stranded.  Uniform widths work.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)
        qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k, width in enumerate(workers)
        for _ in range(width)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for _ in range(workers[0]):
        qs[0].put(_STOP)
    out, seen = [], 0
    while seen < workers[-1]:
        x = qs[-1].get()
        if x is _STOP:
            seen += 1
        else:
            out.append(x)
    if errors:
        raise errors[0]
    return out


def markers_for_own_width(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """HANG: the last worker of a stage sends one marker per worker of *its own* stage.

    The count is right (a locked countdown) but sized with ``workers[k]`` instead of
    ``workers[k + 1]``: a wider next stage keeps workers waiting for markers that never
    come, and the caller joins them.  Uniform widths and narrowing widths work.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    left = list(workers)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                with lock:
                    errors.append(error)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k]):  # meant: the next stage's width
                qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,), name=f"ownwidth-s{k}-w{w}")
        for k, width in enumerate(workers)
        for w in range(width)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    for _ in range(workers[0]):
        qs[0].put(_STOP)
    for t in threads:
        t.join()
    out = []
    while True:
        x = qs[-1].get()
        if x is _STOP:
            break
        out.append(x)
    if errors:
        raise errors[0]
    return out


def join_with_timeout(items: Sequence[Any], stages: Stages, workers: Sequence[int]) -> list[Any]:
    """LOST: stage k is joined with ``join(timeout=0.001)`` before stage k+1 gets markers.

    "Don't wait forever on a stuck worker": when a stage-k worker is still busy, the
    markers reach stage k+1 first, its workers leave, and the busy worker's result is
    stranded in a queue nobody reads.  Every thread still ends (no hang, no leak), but
    a late worker's error can also come after the caller looked (SWALLOWED_ERROR).
    """
    qs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(len(stages) + 1)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while (x := qs[k].get()) is not _STOP:
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                errors.append(error)

    pools = [
        [threading.Thread(target=work, args=(k,)) for _ in range(width)]
        for k, width in enumerate(workers)
    ]
    for pool in pools:
        for t in pool:
            t.start()
    for item in items:
        qs[0].put(item)
    for k, pool in enumerate(pools):
        for _ in pool:
            qs[k].put(_STOP)
        for t in pool:
            t.join(timeout=0.001)  # a hung worker must not hang us
    for t in pools[-1]:
        t.join()
    if errors:
        raise errors[0]
    out = []
    while True:
        try:
            out.append(qs[-1].get_nowait())
        except queue.Empty:
            return out


def bounded_reput_markers(
    items: Sequence[Any], stages: Stages, workers: Sequence[int]
) -> list[Any]:
    """LEAKED_WORKER or HANG: bounded queues (``maxsize=4``), belt-and-braces end markers.

    The last worker of a stage puts one marker per next-stage worker, and every worker
    that takes a marker puts it back "for its siblings".  The markers never leave the
    queue, so once a stage after the first is wider than 4 someone blocks on a full queue
    for good: the sender after every receiver has left (the caller still gets its end
    marker and returns: a leaked worker), or a receiver re-putting its marker (it never
    leaves: a hang).  Narrow stages (<= 4 workers) work.
    """
    qs: list[queue.Queue[Any]] = [queue.Queue(maxsize=4) for _ in stages]
    qs.append(queue.Queue())  # results: unbounded
    left = list(workers)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(k: int) -> None:
        while True:
            x = qs[k].get()
            if x is _STOP:
                qs[k].put(_STOP)  # for my siblings
                break
            try:
                qs[k + 1].put(stages[k](x))
            except Exception as error:
                with lock:
                    errors.append(error)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last:
            for _ in range(workers[k + 1] if k + 1 < len(stages) else 1):
                qs[k + 1].put(_STOP)

    threads = [
        threading.Thread(target=work, args=(k,), daemon=True)
        for k, width in enumerate(workers)
        for _ in range(width)
    ]
    for t in threads:
        t.start()
    for item in items:
        qs[0].put(item)
    qs[0].put(_STOP)
    out = []
    while (x := qs[-1].get()) is not _STOP:
        out.append(x)
    if errors:
        raise errors[0]
    return out
