"""The installed package's version, and which interpreter build runs it.

``__version__`` is ``0.0.0+unknown`` in a checkout without an install.
:func:`interpreter_label` names the build (``3.14.7t``: free-threaded, whatever the
GIL's state) and :func:`gil_enabled` the GIL's state now: one answer for every report
and benchmark that shows them.
"""

from __future__ import annotations

import platform
import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pipeline-stress")
except PackageNotFoundError:  # a checkout without an install
    __version__ = "0.0.0+unknown"


def interpreter_label() -> str:
    """``3.11.7``, or ``3.14.7t`` for a free-threaded build (whatever the GIL's state)."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return platform.python_version() + ("t" if free_threaded else "")


def gil_enabled() -> bool:
    """Whether the GIL is on now (always, before 3.13)."""
    state = getattr(sys, "_is_gil_enabled", None)
    return bool(state()) if state is not None else True
