"""The items of a fixed pipeline's trial: a pure function of (seed, group).

Invariants:

* :func:`item_count` and :func:`default_items` use only a private
  ``random.Random(f"...{seed}:{group}")`` (string seeds hash with SHA-512: the same
  stream in every process), so the trials of one group get the same items.
* Default items are distinct positive ints (no ``0``: awkward values reach a fixed
  pipeline only through a strategy the user names).
* :func:`strategy_items` draws from a user's hypothesis strategy through the public
  API only: ``@given(st.data())`` under ``@seed(...)``, ``database=None``, the generate
  phase only.  Hypothesis runs the *simplest* example first (all zeros, empty
  strings), so each chunk runs two examples and keeps the second, drawn from the
  seed.  Lists are drawn in chunks so a large count never overruns hypothesis's
  buffer.  Never ``.example()``: it is unseeded and warns.
* :func:`digest` is stable across processes for values whose ``repr`` is (memory
  addresses are masked), so a replay can check that it re-drew the same items.

Reproducible across processes that have loaded the same modules of the user's own
code: hypothesis sometimes draws a constant it found in the source of loaded *local*
modules.  Every trial of a search, and its printed replay (the same command, or the
same ``check`` call), import the same modules; a replay from a process with other
local modules loaded may draw other items, and the digest check says so.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from stress.core.errors import UsageError

#: Items a fixed pipeline gets at most (the ``--max-items`` default applies too).
CHUNK = 25
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def group_of(k: int, repeats: int) -> int:
    """The item group of trial ``k``: ``repeats`` consecutive trials share their items."""
    return k // max(1, repeats)


def item_count(seed: int, group: int, max_items: int) -> int:
    """How many items the trials of ``group`` get: 0 to ``max_items``, biased small."""
    rng = random.Random(f"fixed-count:{seed}:{group}")
    point = rng.random()
    if point < 0.05:
        low, high = 0, 0
    elif point < 0.20:
        low, high = 1, 1
    elif point < 0.40:
        low, high = 2, 5
    elif point < 0.65:
        low, high = 6, 20
    elif point < 0.85:
        low, high = 21, 80
    else:
        low, high = 81, max_items
    return rng.randint(min(low, max_items), min(max(low, high), max_items))


def default_items(seed: int, group: int, count: int) -> list[int]:
    """``count`` distinct positive ints, in a seeded order."""
    rng = random.Random(f"fixed-items:{seed}:{group}")
    return rng.sample(range(1, 10 * count + 100), count)


def _chunk(strategy: Any, chunk_seed: int, size: int) -> list[Any]:
    from hypothesis import HealthCheck, Phase, given, settings  # noqa: PLC0415 -- only with --items
    from hypothesis import seed as seeded  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    drawn: list[list[Any]] = []

    @seeded(chunk_seed)
    @settings(
        database=None,
        max_examples=2,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
        print_blob=False,
    )
    @given(st.data())
    def draw(data: Any) -> None:
        drawn.append(data.draw(st.lists(strategy, min_size=size, max_size=size)))

    draw()
    return drawn[-1]


def ensure_strategy(strategy: object) -> None:
    """``UsageError`` (one line) unless ``strategy`` is a hypothesis strategy."""
    from hypothesis.strategies import SearchStrategy  # noqa: PLC0415 -- only with --items

    if not isinstance(strategy, SearchStrategy):
        raise UsageError(
            f"--items must name a hypothesis strategy for one item, not a {type(strategy).__name__}"
        )


def strategy_items(strategy: Any, seed: int, group: int, count: int) -> list[Any]:
    """``count`` values drawn from ``strategy``, the same for the same (seed, group).

    ``UsageError`` (one line) if ``strategy`` is not a strategy or cannot draw them.
    """
    from hypothesis.errors import HypothesisException  # noqa: PLC0415 -- only with --items

    ensure_strategy(strategy)
    items: list[Any] = []
    rng = random.Random(f"fixed-strategy:{seed}:{group}")
    while len(items) < count:
        size = min(CHUNK, count - len(items))
        try:
            items.extend(_chunk(strategy, rng.getrandbits(64), size))
            continue
        except HypothesisException as error:
            failure: HypothesisException = error
        if size > 1:  # values too large for a chunk: draw them one at a time
            try:
                for _ in range(size):
                    items.extend(_chunk(strategy, rng.getrandbits(64), 1))
                continue
            except HypothesisException as error:
                failure = error
        first = str(failure).splitlines()[0] if str(failure) else type(failure).__name__
        raise UsageError(f"--items: the strategy cannot draw an item: {first}") from None
    return items


def digest(items: list[Any]) -> str:
    """A short, process-independent fingerprint of ``items`` (their masked ``repr``)."""
    try:
        text = repr(items)
    except Exception as error:  # a broken __repr__: fingerprint what can be said
        text = f"<unrepresentable: {type(error).__name__}> {len(items)}"
    text = _ADDRESS.sub(" at 0x?", text)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:16]
