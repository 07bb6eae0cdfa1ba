"""References to stage functions in every form ``--patch`` has to deal with (tests only)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tests.zoo.fixed_stages import fetch, parse
from tests.zoo.fixed_stages import parse as parse_page

__all__ = ["fetch", "parse_page"]

STAGES: list[Callable[..., Any]] = [fetch, parse]
STAGE_TUPLE: tuple[Callable[..., Any], ...] = (fetch, parse)
BY_NAME: dict[str, Callable[..., Any]] = {"fetch": fetch, "parse": parse}


class Steps:
    first = staticmethod(fetch)
    second = parse

    def __init__(self, work: Callable[..., Any]) -> None:
        self.work = work

    def twice(self, x: int) -> int:
        return x * 2


HOLDER = Steps(parse)
BOUND = Steps(fetch).twice
PARTIAL = functools.partial(parse)


def with_default(x: Any, step: Callable[..., Any] = fetch) -> Any:
    return step(x)


def _make(step: Callable[..., Any]) -> Callable[[Any], Any]:
    def run(x: Any) -> Any:
        return step(x)

    return run


CLOSURE = _make(fetch)
