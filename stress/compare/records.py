"""The records a comparison campaign writes, one JSON object a line (``records.jsonl``).

Every record has a ``type``:

``env``        python, implementation, platform, cpus, date (UTC ISO), seed, quick, partial
``trial``      variant, condition, k, config (the trial's JSON config), category (a defect
               category or null), lost (results lost), duration_s, live_workers (threads the
               call started that were alive when it returned)
``sweep``      variant, workers (per stage, both stages), trials, losses (trials with LOST)
``perf``       variant, workload (``identity`` or ``sleep``), workers, items, seconds,
               items_per_s, ideal_s (ideal makespan, for ``sleep``), join_s (last result to
               every worker joined), peak_threads
``latency``    variant, seconds (median time from a stage raising to the caller seeing it)
``skipped``    variant, section, reason (a measurement not taken, and why)

The report generator (:mod:`stress.compare.render`) is a pure function of these records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

Record = dict[str, Any]

CONDITIONS: tuple[str, ...] = ("plain", "awkward", "faults", "bounded")
CONDITION_TEXT = {
    "plain": "distinct ints, no faults",
    "awkward": "None, 0, False, '', duplicates, unhashable values",
    "faults": "a stage raises at a chosen item",
    "bounded": "queues with maxsize 1 or 2, plain values",
}


def dump(records: Iterable[Record]) -> str:
    return "".join(json.dumps(record, sort_keys=True) + "\n" for record in records)


def load(path: Path) -> list[Record]:
    return list(parse(path.read_text(encoding="utf-8").splitlines()))


def parse(lines: Iterable[str]) -> Iterator[Record]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record, dict) or "type" not in record:
            raise ValueError(f"line {number}: not a record: {line[:80]!r}")
        yield record
