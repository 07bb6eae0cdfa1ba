"""``--mode auto``: a defect found on real threads, looked for again under the scheduler.

Most of an ``auto`` search's trials run on real threads, whose finds replay only with a
probability; the same configuration run as a scheduled trial (its *twin*) often shows
the same defect at once, and then the report carries a schedule that replays exactly,
shrunk in the twin's own child (:mod:`stress.trial.controlled`).

Invariants:

* The twin is the find's own configuration (seed, k, shape, items, values, faults),
  as the scheduler runs it (:func:`~stress.trial.controlled.under_the_scheduler`).
* It replaces the real-threads find only when it shows the *same category* and its
  fresh-child replay was exact (a scheduled trial reports nothing else); a twin that
  shows nothing (a defect that needs real time, a window its schedules missed),
  another category, or that cannot run or be controlled leaves the find as it was.
  So the twin never turns a report into a pass, nor into another defect.
* Cost: one scheduled trial with a timeout of at most :data:`TWIN_TIMEOUT`, started
  only when that and :data:`TWIN_SLACK` fit before the caller's deadline (its search's
  schedules stop at half that timeout, its shrink at the timeout).
"""

from __future__ import annotations

import time

from stress.core.errors import InternalError, UsageError
from stress.core.record import TrialRecord
from stress.forms.targets import TargetSpec
from stress.trial.controlled import SCHEDULED, under_the_scheduler
from stress.trial.execution import run_trial

#: The twin's trial timeout (less when the search's own is shorter).
TWIN_TIMEOUT = 1.0
#: Time left before the deadline, beyond the twin's timeout, for it to start.  A twin
#: ends well within its timeout (tens to hundreds of ms); one whose schedule runs to the
#: scheduler's real-time limit ends by the timeout + 4 s, still inside a search's bound.
TWIN_SLACK = 1.0


def scheduled_twin(
    spec: TargetSpec, record: TrialRecord, *, trial_timeout: float, until: float
) -> TrialRecord | None:
    """The scheduled twin of a real-threads ``record`` when it shows the same defect
    with an exact replay, else ``None`` (see the module's invariants)."""
    if record.category is None or record.exact_config is not None:
        return None
    timeout = min(trial_timeout, TWIN_TIMEOUT)
    if time.monotonic() + timeout + TWIN_SLACK > until:
        return None  # no time for it: the real-threads find stands
    try:
        twin = run_trial(
            spec, under_the_scheduler(record.config), trial_timeout=timeout, executor=SCHEDULED
        )
    except (UsageError, InternalError):
        return None
    exact = twin.exact_config is not None and twin.counts.get("replay_exact") == 1
    if twin.category != record.category or not exact or twin.uncontrolled:
        return None
    twin.details = [
        f"found on real threads at trial k={record.config.k}; the same configuration "
        "under the scheduler showed it too, so its schedule is the report's (it replays "
        "exactly)",
        *twin.details,
    ]
    return twin
