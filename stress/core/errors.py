"""The harness's exceptions, and how an injected stage fault is recognised.

Invariant: an :class:`InjectedFault` carries a token unique to the trial and the call
that raised it (``args[0]``).  :func:`find_fault` walks ``__cause__``/``__context__``
chains and exception groups; it accepts the very object the harness raised and, as a
*copy*, any ``InjectedFault`` whose message still holds an issued token (libraries
that pass errors between threads or processes rebuild them).  An exception of another
class that merely quotes the message is unrelated: a pipeline that wraps a stage error
in its own class without chaining it has lost the error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

#: Every injected fault's token starts with this, so it is easy to spot in a report.
TOKEN_PREFIX = "stress-fault-"
_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_.]+")


class Unsupported(Exception):
    """Raised by a target that cannot take a shape; the harness skips that trial."""


class UsageError(ValueError):
    """Bad use of the harness: the message is the CLI's one line (exit status 2)."""


class InternalError(RuntimeError):
    """The harness itself failed (exit status 3); never the target's fault."""


class DefectFound(AssertionError):
    """A trial showed a defect; the message is the full report (CONTRACT.md section 4)."""

    def __init__(
        self,
        report: str,
        *,
        category: str,
        config: dict[str, Any],
        seed: int,
        token: str,
        replay: str,
        reproduction: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(report)
        self.category = category
        self.config = config
        self.seed = seed
        self.token = token
        self.replay = replay
        #: How often the reported trial showed the defect again (``status``, ``runs``,
        #: ``reproduced``, ...: the ``--json`` document's ``reproduction``), or None.
        self.reproduction = reproduction


class InjectedFault(Exception):
    """The exception the harness's stages raise on purpose; ``args[0]`` is its token."""

    def __init__(self, token: str, *rest: object) -> None:
        super().__init__(token, *rest)

    def __str__(self) -> str:
        return f"injected stage fault {self.args[0]}"


@dataclass(frozen=True)
class FaultMatch:
    """How a raised exception relates to the faults the trial injected."""

    token: str
    original: bool  # False: a re-created copy; the original object and traceback are lost
    path: str  # where in the raised exception it was found, e.g. "__cause__ -> group[0]"


def _walk(error: BaseException, path: str, seen: set[int]) -> Iterator[tuple[BaseException, str]]:
    if id(error) in seen:
        return
    seen.add(id(error))
    yield error, path
    if isinstance(error, BaseExceptionGroup):
        for i, inner in enumerate(error.exceptions):
            yield from _walk(inner, f"{path} -> group[{i}]", seen)
    if error.__cause__ is not None:
        yield from _walk(error.__cause__, f"{path} -> __cause__", seen)
    if error.__context__ is not None:
        yield from _walk(error.__context__, f"{path} -> __context__", seen)


def walk_exception(error: BaseException) -> Iterator[tuple[BaseException, str]]:
    """Every exception reachable from ``error`` (itself, chains, groups), once each."""
    return _walk(error, "raised", set())


def find_fault(
    error: BaseException, tokens: Collection[str], originals: Collection[int]
) -> FaultMatch | None:
    """The injected fault that ``error`` carries, or ``None`` if it is unrelated.

    ``tokens``: the tokens this trial issued; ``originals``: ``id()`` of the objects it
    raised (kept alive by the caller so the ids stay valid).
    """
    copy: FaultMatch | None = None
    for inner, path in walk_exception(error):
        if not isinstance(inner, InjectedFault):
            continue
        if id(inner) in originals:
            return FaultMatch(str(inner.args[0]), original=True, path=path)
        if copy is None:
            text = " ".join(str(arg) for arg in inner.args)
            for token in _TOKEN.findall(text):
                if token in tokens:
                    copy = FaultMatch(token, original=False, path=path)
                    break
    return copy
