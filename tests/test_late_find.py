"""A defect found in the search's last moments (or after its budget: its last trial ran to
its timeout) still gets a short reserve to measure how it reproduces, so its report says
``reproduced r/N`` rather than "not measured"; the reserve never breaks the contract's
bound (budget + trial timeout + 10 s).  3.14t's CI once reported a race found late in its
30 s budget with no measurement at all."""

from __future__ import annotations

import time
from typing import Any

import pytest

from stress import DefectFound, check
from stress.faces import api
from stress.search import engine
from stress.search import shrink as shrink_module
from stress.search.shrink import HANG_LOOK, QUICK_HANG

BUDGET = 30.0


def deadline(found_after: float, budget: float = BUDGET) -> float:
    """The shrink deadline, in seconds after the search started, of a find at ``found_after``."""
    return api.shrink_deadline(started=0.0, budget=budget, found=found_after)


def test_a_find_in_good_time_gets_its_share_and_stays_within_the_budget() -> None:
    assert deadline(1.0) == 1.0 + api.shrink_seconds(BUDGET)
    assert deadline(BUDGET - api.shrink_seconds(BUDGET) + 1.0) == BUDGET


def test_a_find_in_the_last_moments_gets_the_floor_past_the_budget() -> None:
    assert deadline(BUDGET - 0.1) == pytest.approx(BUDGET - 0.1 + api.SHRINK_FLOOR)


def test_a_find_after_the_budget_still_measures_until_the_late_grace() -> None:
    # The last trial started just before the budget's end and hung to its timeout.
    found = BUDGET + api.DEFAULT_TRIAL_TIMEOUT + HANG_LOOK
    assert found < deadline(found) <= BUDGET + api.LATE_GRACE


def test_a_small_budget_keeps_its_share_as_the_floor() -> None:
    assert deadline(0.95, budget=1.0) == pytest.approx(0.95 + api.shrink_seconds(1.0))


def test_the_reserve_keeps_the_contracts_bound() -> None:
    # No run starts after the deadline; a hang's re-run lasts its short timeout and a look.
    assert api.LATE_GRACE + min(QUICK_HANG, api.DEFAULT_TRIAL_TIMEOUT) + HANG_LOOK < 10.0
    assert deadline(BUDGET + 20.0) <= BUDGET + api.LATE_GRACE


def test_a_find_after_the_budget_is_given_time_to_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end through ``check``: the search ends past its budget (as when its last
    trial ran to its timeout), and the shrink is still given its floor of time.  What
    the shrink does with it depends on the machine's load (a loaded 3.14t may spend it
    on one slow candidate); the time it is given does not."""
    real_search, real_shrink = engine.search, shrink_module.shrink
    # A target that fails in its first trial: found well within 2 s even on a loaded
    # 3.14t (a rarer defect's search could end at its budget with no find at all).
    budget = 2.0
    given: list[float] = []

    def search_ending_late(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        result = real_search(*args, **kwargs)
        while time.monotonic() < started + budget + 0.2:  # bounded: 2.2 s at most
            pass
        return result

    def shrink_timed(*args: Any, deadline: float, **kwargs: Any) -> Any:
        given.append(deadline - time.monotonic())
        return real_shrink(*args, deadline=deadline, **kwargs)

    monkeypatch.setattr(api, "search", search_ending_late)
    monkeypatch.setattr(api, "shrink", shrink_timed)
    with pytest.raises(DefectFound):
        check("tests.zoo.broken_wrong_late_binding:pipeline", budget=budget, seed=1, mode="threads")
    floor = min(api.SHRINK_FLOOR, api.shrink_seconds(budget))
    assert len(given) == 1
    assert given[0] >= floor - 0.1, given
