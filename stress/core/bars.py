"""Progress bars for the harness's own faces, made without touching tqdm's global state.

tqdm starts a monitor thread (which never stops) for the first bar when the class
attribute ``tqdm.monitor_interval`` is non-zero.  The harness's bars must not start one
in a process that forks trials, and must not set that attribute for good either: a
user's pipeline run in a trial would then behave unlike itself (its bars would start no
monitor, so a leak it has in real life would pass).  :func:`progress_bar` turns the
monitor off only while its own bar is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tqdm


def progress_bar(**options: Any) -> tqdm.tqdm[Any]:
    """A ``tqdm.tqdm(**options)`` that starts no monitor thread; tqdm's state is kept.

    tqdm is imported here, at the first bar: a run whose stderr is no terminal shows
    none and does not pay for the import (about 20 ms of the CLI's start)."""
    import tqdm  # noqa: PLC0415 -- see above

    cls = tqdm.tqdm
    interval = cls.monitor_interval
    cls.monitor_interval = 0
    try:
        return cls(**options)
    finally:
        cls.monitor_interval = interval
