"""SWALLOWED_ERROR: futures read with ``as_completed``; a failed item is logged and skipped.

The caller gets fewer results and no exception: the stage error is lost in a log.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

EXPECTED = frozenset({"SWALLOWED_ERROR"})
PATCH = ("tests.zoo.fixed_swallow_as_completed:thumbnail",)
EXPECT = "tests.zoo.fixed_swallow_as_completed:thumbnail"
log = logging.getLogger(__name__)


def thumbnail(image: Any) -> str:
    return f"thumb-{image}"


def pipeline(images: list[Any]) -> list[str]:
    done = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {pool.submit(thumbnail, image): image for image in images}
        for future in as_completed(futures):
            try:
                done.append(future.result())
            except Exception:
                log.exception("thumbnail failed for %r", futures[future])
    return done
