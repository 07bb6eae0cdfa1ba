"""A stress harness for thread-pool pipelines (CONTRACT.md sections 1, 3 and 4).

``check(target, ...)`` searches a target for lost, duplicated or wrong results, hangs,
leaked workers and swallowed stage errors, and raises :class:`DefectFound` with a
replayable report; ``python -m stress run TARGET`` does the same from the shell.
"""

from __future__ import annotations

from stress.core.errors import DefectFound, InjectedFault, Unsupported, UsageError
from stress.core.version import package_version
from stress.faces.api import CheckResult, check

__all__ = [
    "CheckResult",
    "DefectFound",
    "InjectedFault",
    "Unsupported",
    "UsageError",
    "__version__",
    "check",
]


def __getattr__(name: str) -> str:
    """``stress.__version__``, read from the installed metadata at first use."""
    if name == "__version__":
        return package_version()
    raise AttributeError(f"module 'stress' has no attribute {name!r}")
