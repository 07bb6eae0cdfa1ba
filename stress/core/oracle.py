"""The verdict on one trial: categories and their precedence, exactly as CONTRACT.md says.

Precedence (the first that applies wins): ``HANG``, ``SWALLOWED_ERROR`` (a stage
raised and the target returned normally, or raised something unrelated to it),
``UNEXPECTED_ERROR`` (the target raised with no stage failure), ``WRONG_VALUE``,
``DUPLICATED``, ``LOST``, ``LEAKED_WORKER``.  When the target rightly raised the
injected fault its results are partial: ``WRONG_VALUE`` and ``DUPLICATED`` are still
checked, ``LOST`` is not.

Values are compared as multisets of *type-aware* canonical keys: ``0``, ``False`` and
``0.0`` are different results, lists and dicts (unhashable) compare by content.
"""

from __future__ import annotations

import reprlib
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stress.core.errors import FaultMatch

CATEGORIES = (
    "HANG",
    "SWALLOWED_ERROR",
    "UNEXPECTED_ERROR",
    "WRONG_VALUE",
    "DUPLICATED",
    "LOST",
    "LEAKED_WORKER",
)
#: How many items a detail section names before it says "... and N more".
SHOWN = 10

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = 6
_repr.maxdict = 4


def short(value: object) -> str:
    """A bounded ``repr`` that never raises."""
    try:
        return _repr.repr(value)
    except Exception as error:  # a broken __repr__ in a returned object
        return f"<{type(value).__qualname__} whose repr raised {type(error).__name__}>"


def key(value: Any) -> Hashable:
    """A hashable, type-aware stand-in for ``value`` (``0``, ``False``, ``0.0`` differ)."""
    cls = type(value)
    if value is None or cls in (bool, int, float, str, bytes, complex):
        return (cls.__name__, value)
    if cls in (list, tuple):
        return (cls.__name__, tuple(key(v) for v in value))
    if cls is dict:
        pairs = sorted(((key(k), key(v)) for k, v in value.items()), key=repr)
        return ("dict", tuple(pairs))
    return ("object", f"{cls.__module__}.{cls.__qualname__}", short(value))


@dataclass
class Observation:
    """What one trial saw, gathered in its child process."""

    items: Sequence[Any]
    expected: Sequence[Any]
    intermediates: Sequence[Sequence[Any]]  # intermediates[s][i]: item i after stage s
    results: list[Any] = field(default_factory=list)
    hung: bool = False
    returned: bool = False  # exhausted normally (``close()`` included)
    returned_none: bool = False
    error_type: str | None = None  # the raised exception's class, when it raised
    error_text: str = ""  # its formatted traceback
    fault_tokens: Sequence[str] = ()  # faults the stages raised in this trial
    fault_match: FaultMatch | None = None
    leaked: Sequence[str] = ()  # labels of threads alive after the grace
    leak_stacks: Sequence[str] = ()
    hang_lines: Sequence[str] = ()
    results_checked: bool = True  # False: a fixed pipeline with no --expect (no values)
    overflowed: bool = False  # the harness stopped reading an iterator that never ended


@dataclass
class Verdict:
    category: str | None
    summary: str
    details: list[str]
    counts: dict[str, int]


def _items_line(indices: list[int], items: Sequence[Any], limit: int = SHOWN) -> str:
    shown = ", ".join(f"#{i} ({short(items[i])})" for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    return f"items {shown}{more}"


def _compare(obs: Observation, partial: bool) -> tuple[str | None, str, list[str], dict[str, int]]:
    expected_keys = [key(v) for v in obs.expected]
    want = Counter(expected_keys)
    got = Counter(key(v) for v in obs.results)
    by_key: dict[Hashable, list[int]] = {}
    for i, k in enumerate(expected_keys):
        by_key.setdefault(k, []).append(i)
    wrong = {k: n for k, n in got.items() if k not in want}
    extra = {k: got[k] - want[k] for k in got if k in want and got[k] > want[k]}
    missing = {k: want[k] - got[k] for k in want if got[k] < want[k]}
    counts = {
        "expected": len(obs.expected),
        "returned": len(obs.results),
        "wrong": sum(wrong.values()),
        "duplicated": sum(extra.values()),
        "lost": 0 if partial else sum(missing.values()),
    }
    if wrong:
        return ("WRONG_VALUE", *_wrong_details(obs, wrong, counts), counts)
    if extra:
        indices = sorted(i for k in extra for i in by_key[k])
        summary = (
            f"{counts['duplicated']} result(s) returned more often than expected "
            f"({counts['returned']} returned for {counts['expected']} items)"
        )
        lines = [
            f"duplicated (items whose result came too often): {_items_line(indices, obs.items)}"
        ]
        for k in list(extra)[:SHOWN]:
            i = by_key[k][0]
            lines.append(
                f"  item #{i}: {short(obs.items[i])} -> {short(obs.expected[i])} "
                f"returned {got[k]} times, expected {want[k]}"
            )
        return "DUPLICATED", summary, lines, counts
    if missing and not partial:
        indices = sorted(i for k in missing for i in by_key[k])
        first = sorted(by_key[k][0] for k in missing)[:3]
        summary = (
            f"{counts['lost']} of {counts['expected']} expected results were never returned, "
            f"e.g. {_items_line(first, obs.items, limit=3)}"
        )
        lines = [
            f"lost (items whose result is short; equal items share one): "
            f"{_items_line(indices, obs.items)}"
        ]
        for k in list(missing)[:SHOWN]:
            i = by_key[k][0]
            lines.append(
                f"  item #{i}: {short(obs.items[i])} -> {short(obs.expected[i])} "
                f"returned {got[k]} times, expected {want[k]}"
            )
        if obs.returned_none:
            lines.append("the target returned None, not an iterable of results")
        return "LOST", summary, lines, counts
    return None, "", [], counts


def _wrong_details(
    obs: Observation, wrong: dict[Hashable, int], counts: dict[str, int]
) -> tuple[str, list[str]]:
    where: dict[Hashable, str] = {}
    for i, item in enumerate(obs.items):
        where.setdefault(key(item), f"item #{i} unprocessed (no stage applied)")
    for s, values in enumerate(obs.intermediates[:-1]):
        for i, v in enumerate(values):
            where.setdefault(key(v), f"item #{i} after stage {s} only (later stages skipped)")
    samples = [v for v in obs.results if key(v) in wrong]
    summary = (
        f"{counts['wrong']} returned value(s) are not any item's expected result "
        f"(first: {short(samples[0])})"
    )
    lines = ["wrong values:"]
    seen: set[Hashable] = set()
    for v in samples:
        k = key(v)
        if k in seen:
            continue
        seen.add(k)
        hint = where.get(k, "not derived from any item by the stages in order")
        lines.append(f"  {short(v)} (type {type(v).__name__}) x{wrong[k]}: {hint}")
        if len(seen) >= SHOWN:
            break
    return summary, lines


def classify(obs: Observation) -> Verdict:
    """Apply the contract's categories in order of precedence."""
    if obs.hung:
        counts = {"expected": len(obs.expected), "returned": len(obs.results)}
        summary = (
            f"the target neither returned nor raised ({len(obs.results)} of "
            f"{len(obs.expected)} results read so far)"
        )
        return Verdict("HANG", summary, list(obs.hang_lines), counts)
    partial = False
    error_lines = [obs.error_text] if obs.error_text else []
    if obs.fault_tokens:
        stage_fault = f"a stage raised InjectedFault ({obs.fault_tokens[0]}"
        stage_fault += (
            f" and {len(obs.fault_tokens) - 1} more)" if len(obs.fault_tokens) > 1 else ")"
        )
        if obs.error_type is None:
            summary = f"{stage_fault} but the target returned normally"
            counts = {"expected": len(obs.expected), "returned": len(obs.results)}
            lines = [f"{len(obs.results)} results were returned for {len(obs.expected)} items"]
            return Verdict("SWALLOWED_ERROR", summary, lines, counts)
        if obs.fault_match is None:
            summary = f"{stage_fault} but the target raised an unrelated {obs.error_type}"
            counts = {"expected": len(obs.expected), "returned": len(obs.results)}
            lines = ["the raised exception chains to no injected fault:", *error_lines]
            return Verdict("SWALLOWED_ERROR", summary, lines, counts)
        partial = True
    elif obs.error_type is not None:
        summary = f"the target raised {obs.error_type} with no stage failure"
        counts = {"expected": len(obs.expected), "returned": len(obs.results)}
        return Verdict("UNEXPECTED_ERROR", summary, error_lines, counts)
    if obs.results_checked:
        category, summary, lines, counts = _compare(obs, partial)
    else:
        category, summary, lines, counts = None, "", [], {"returned": len(obs.results)}
    notes = []
    if obs.fault_match is not None and not obs.fault_match.original:
        notes.append(
            "note: the target raised a re-created copy of the injected fault "
            f"(found at {obs.fault_match.path}); the original object and traceback were lost"
        )
    if obs.overflowed:
        notes.append(
            f"note: the harness stopped reading after {len(obs.results)} results "
            "(more than twice the items): the iterator may never end"
        )
    if category is not None:
        return Verdict(category, summary, lines + notes, counts)
    counts["live_workers"] = len(obs.leaked)
    if obs.leaked:
        summary = (
            f"{len(obs.leaked)} thread(s) started during the call still alive 1.0 s after "
            f"it {'raised' if obs.error_type else 'returned'}: {', '.join(obs.leaked[:SHOWN])}"
        )
        return Verdict("LEAKED_WORKER", summary, list(obs.leak_stacks) + notes, counts)
    return Verdict(None, "", notes, counts)
