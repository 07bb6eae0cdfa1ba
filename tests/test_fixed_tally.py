"""LOST without --expect: fewer results for the same items in one trial than in another."""

from __future__ import annotations

from stress.forms.fixed.tally import Tally


def test_equal_counts_in_a_group_are_no_finding() -> None:
    tally: Tally[str] = Tally()
    assert tally.record(0, 0, 5, "a") is None
    assert tally.record(0, 1, 5, "b") is None
    assert tally.record(1, 2, 3, "c") is None  # another group, other items


def test_the_trial_with_fewer_results_is_named_lossy_whichever_ran_first() -> None:
    tally: Tally[str] = Tally()
    assert tally.record(4, 12, 5, "first") is None
    found = tally.record(4, 13, 3, "second")
    assert found is not None
    assert (found.lossy.k, found.lossy.record, found.reference.k, found.lost) == (
        13,
        "second",
        12,
        2,
    )

    later: Tally[str] = Tally()
    later.record(4, 12, 3, "first")
    found = later.record(4, 13, 5, "second")
    assert found is not None
    assert (found.lossy.k, found.reference.k) == (12, 13)
    assert "gave 5 result(s) in trial k=13 and 3 in trial k=12" in found.lines()[0]
