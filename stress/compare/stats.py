"""Rates from small samples: the Wilson score interval.

A cell of the comparison holds about 20 trials; a rate from so few is shown with its
95 % interval, the Wilson score interval (it stays inside [0, 1] and is sensible at
0 and n successes, unlike the normal approximation).
"""

from __future__ import annotations

import math

#: The normal quantile for a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` in ``trials`` (``(0, 1)`` for none)."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be within 0..{trials}, not {successes}")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_text(successes: int, trials: int) -> str:
    """``35% [18-57]``: the rate and its 95 % Wilson interval, in whole percent."""
    if trials <= 0:
        return "-"
    low, high = wilson(successes, trials)
    return f"{100 * successes / trials:.0f}% [{100 * low:.0f}-{100 * high:.0f}]"
