"""stress.trial.waits.stdlib_file: which frames belong to the standard library.

Wait naming (what a hung thread waits on) and the deadlock proof both walk a thread's
frames through the standard library to the user's line.  A package installed in the
``site-packages`` inside the standard library's folder (a system or Docker Python
without a venv) is somebody's own code, not the standard library.
"""

from __future__ import annotations

import concurrent.futures._base
import os
import queue

import pytest

from stress.trial import waits

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
