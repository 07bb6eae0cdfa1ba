"""The installed package's version, and which interpreter build runs it.

:func:`package_version` (``stress.__version__``) is ``0.0.0+unknown`` in a checkout
without an install; it reads the installed metadata at the first call, not at import
(``importlib.metadata`` costs about 27 ms of the CLI's start).
:func:`interpreter_label` names the build (``3.14.7t``: free-threaded, whatever the
GIL's state) and :func:`gil_enabled` the GIL's state now: one answer for every report
and benchmark that shows them.
"""

from __future__ import annotations

import functools
import platform
import sys
import sysconfig


@functools.cache
def package_version() -> str:
    """The installed distribution's version, ``0.0.0+unknown`` in a bare checkout."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("pipeline-stress")
    except PackageNotFoundError:  # a checkout without an install
        return "0.0.0+unknown"


def interpreter_label() -> str:
    """``3.11.7``, or ``3.14.7t`` for a free-threaded build (whatever the GIL's state)."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return platform.python_version() + ("t" if free_threaded else "")


def gil_enabled() -> bool:
    """Whether the GIL is on now (always, before 3.13)."""
    state = getattr(sys, "_is_gil_enabled", None)
    return bool(state()) if state is not None else True
