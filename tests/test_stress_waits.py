"""stress.trial.waits: what a hung thread waits on, and which frames are the standard
library's.

Every wait the deadlock proof recognises is named in the dump by what the thread waits
on (``join of queue.Queue ...``, not the ``Condition`` inside it), on each interpreter:
the cases are threads parked for real (tests/parked_waits.py).  Wait naming and the
proof both walk a thread's frames through the standard library to the user's line; a
package installed in the ``site-packages`` inside the standard library's folder (a
system or Docker Python without a venv) is somebody's own code, not the standard
library.
"""

from __future__ import annotations

import concurrent.futures._base
import os
import queue

import pytest

from stress.trial import deadlock, waits
from tests.parked_waits import UNTIMED, parked

pytestmark = pytest.mark.smoke

STDLIB = waits._STDLIB


def test_standard_library_modules_are_named_by_their_path_under_it() -> None:
    assert waits.stdlib_file(queue.__file__) == "queue.py"
    assert waits.stdlib_file(concurrent.futures._base.__file__) == os.path.join(
        "concurrent", "futures", "_base.py"
    )


@pytest.mark.parametrize(
    "path",
    [
        os.path.join(STDLIB, "site-packages", "crawler", "queue.py"),
        os.path.join(STDLIB, "dist-packages", "threading.py"),
        STDLIB + "-extras" + os.sep + "queue.py",  # a sibling folder, not inside
        __file__,
    ],
)
def test_packages_beside_the_standard_library_and_other_code_are_not_in_it(path: str) -> None:
    assert waits.stdlib_file(path) is None


@pytest.mark.parametrize("case", sorted(UNTIMED))
def test_a_thread_parked_in_a_recognised_wait_is_named_by_what_it_waits_on(case: str) -> None:
    wait = UNTIMED[case]()
    with parked(wait, deadlock.untimed_wait) as frame:
        named = waits.waits_on(frame)
    assert named is not None
    assert wait.named in named, named


def test_queue_join_names_the_unfinished_tasks() -> None:
    with parked(UNTIMED["queue_join"](), deadlock.untimed_wait) as frame:
        named = waits.waits_on(frame)
    assert named is not None
    assert "unfinished tasks=1" in named, named
