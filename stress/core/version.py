"""The installed package's version (``0.0.0+unknown`` in a checkout without an install)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pipeline-stress")
except PackageNotFoundError:  # a checkout without an install
    __version__ = "0.0.0+unknown"
