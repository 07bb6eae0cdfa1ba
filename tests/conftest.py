"""Suite-wide guards: a leaked-thread check around every test, hypothesis profiles.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default, small), ``dev``, ``large`` (on demand).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "large", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: How long a test's threads get to finish after it returns before they count as leaked.
THREAD_GRACE_SECONDS = 5.0


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread it started still running (bounded wait)."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before]
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    for thread in leaked:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = sorted(t.name for t in leaked if t.is_alive())
    assert not alive, f"test left threads running: {alive}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``slow`` tests unless asked for (``-m slow`` or ``STRESS_SLOW=1``)."""
    if os.environ.get("STRESS_SLOW") == "1" or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or STRESS_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
