"""A consumer that raises abandons the variant mid-read; exit-time behaviour, in a child.

The child's main thread is the listing's consumer and raises at the first result.
separate_pools lets the exception propagate (printed), then the interpreter never
exits: its exit joins pool threads blocked in ``get()``.  counted never even gets the
exception out: closing the generator runs its ``with`` block, which waits for those
same blocked threads.  The variants that sent the marker before reading exit normally.
"""

from __future__ import annotations

import re

import pytest

from tests.tutorial_child import Verdict, run_child

#: The consumer's own exception, raised on the first result it reads: whichever item
#: came out first (without a GIL, 3.14t, it is not always item 0).
FAILED = re.compile(r"RuntimeError: consumer failed on '\d+>0>1'")


def _consumer_raises(name: str) -> Verdict:
    return run_child(
        {"variant": name, "items": list(range(10)), "workers": [5, 5], "consumer": "raises"}
    )


def test_separate_pools_raises_to_the_consumer_but_the_interpreter_never_exits() -> None:
    verdict = _consumer_raises("separate_pools")
    assert FAILED.search(verdict.stderr)  # the exception propagated and was printed
    assert verdict.outcome == "hung", verdict
    assert verdict.threads["MainThread"].endswith(" in _shutdown")  # interpreter exit
    assert verdict.parked("separate_pools-") == ["Queue.get in _serve_stage"] * 10


def test_counted_hangs_in_its_with_block_before_the_consumers_exception_gets_out() -> None:
    verdict = _consumer_raises("counted")
    assert not FAILED.search(verdict.stderr)
    assert verdict.outcome == "hung", verdict
    assert verdict.threads["MainThread"] == "Executor.__exit__ in _drive"
    assert verdict.parked("counted-") == ["Queue.get in _serve_stage"] * 10


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["single_pool", "barrier_as_published", "barrier"])
def test_a_variant_that_sent_the_marker_before_reading_lets_a_failing_consumer_exit(
    name: str,
) -> None:
    verdict = _consumer_raises(name)
    assert verdict.outcome == "exited 1", verdict
    assert FAILED.search(verdict.stderr), verdict.stderr
