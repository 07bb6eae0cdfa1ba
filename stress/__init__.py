"""A stress harness for thread-pool pipelines (CONTRACT.md sections 1, 3 and 4).

``check(target, ...)`` searches a target for lost, duplicated or wrong results, hangs,
leaked workers and swallowed stage errors, and raises :class:`DefectFound` with a
replayable report; ``python -m stress run TARGET`` does the same from the shell.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pipeline-stress")
except PackageNotFoundError:  # a checkout without an install
    __version__ = "0.0.0+unknown"

from stress.core.errors import DefectFound, InjectedFault, Unsupported, UsageError
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
