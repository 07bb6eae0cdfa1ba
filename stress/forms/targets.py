"""Naming a target: a variant name, ``module:attribute``, or a callable (API only).

``path/to/file.py:attribute`` is accepted too, as a convenience.

Invariant: parsing happens in the caller's process and imports nothing of the user's;
:meth:`TargetSpec.resolve` imports a ``module:attribute`` target and runs only inside a
trial's child process, so a module that starts threads at import never hands a forking
parent threads that the children lack (a false HANG).  Variant names resolve to
``reference.VARIANTS`` (the project's own package, which starts nothing at import).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference import VARIANTS
from stress.core.errors import UsageError
from stress.forms.generalised import GENERALISED
from stress.forms.protocol import TargetForm

_IDENT = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class TargetSpec:
    """What to run: ``kind`` is ``variant``, ``import`` or ``callable``; ``form``: how."""

    kind: str
    name: str  # the variant name, "module:attribute", or the callable's qualified name
    func: Callable[..., Any] | None = None
    form: TargetForm = GENERALISED  # how it is called and judged (stress.forms.protocol)

    def resolve(self) -> Callable[..., Any]:
        """The callable itself; ``UsageError`` with a one-line message if there is none."""
        if self.func is not None:
            return self.func
        if self.kind == "variant":
            return VARIANTS[self.name]
        module_name, _, attribute = self.name.rpartition(":")
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())  # "importable from the current directory"
        try:
            obj: Any = _import(module_name)
        except BaseException as error:  # SystemExit from a script-like module too
            detail = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else ""
            raise UsageError(
                f"cannot import module {module_name!r}: {detail or type(error).__name__}"
            ) from None
        for part in attribute.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise UsageError(
                    f"{self.name}: {module_name!r} has no attribute {attribute!r}"
                ) from None
        if not callable(obj):
            raise UsageError(f"{self.name} is not callable (it is a {type(obj).__name__})")
        return obj  # type: ignore[no-any-return]

    def replay_line(self, token: str, extra: str = "") -> str:
        """The line a report prints to re-run a trial (a command, or a ``check`` call)."""
        if self.kind == "callable":
            return f"check({self.name}, replay={token!r}{extra and ', ' + extra})"
        option = f" {extra}" if extra else ""
        return (
            f"python -m stress run {shlex.quote(self.name)}{option} --replay {shlex.quote(token)}"
        )


def _import(module_name: str) -> Any:
    """Import a module by name, or a ``.py`` file by path (its folder joins sys.path)."""
    if not module_name.endswith(".py"):
        return importlib.import_module(module_name)
    path = os.path.abspath(module_name)
    if not os.path.isfile(path):
        raise ModuleNotFoundError(f"no file {module_name}")
    sys.path.insert(0, os.path.dirname(path))
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def parse_target(target: object) -> TargetSpec:
    """A :class:`TargetSpec` for a CLI/API target; ``UsageError`` for nonsense."""
    if callable(target):
        name = getattr(target, "__qualname__", None) or type(target).__qualname__
        return TargetSpec("callable", str(name), target)
    if not isinstance(target, str):
        raise UsageError(f"target must be a callable or a string, not {type(target).__name__}")
    if ":" in target:
        module_name, _, attribute = target.rpartition(":")
        is_file = module_name.endswith(".py")  # a convenience: path/to/file.py:attribute
        if not (is_file or _IDENT.match(module_name)) or not _IDENT.match(attribute):
            raise UsageError(f"bad target {target!r}: expected module:attribute")
        return TargetSpec("import", target)
    if target in VARIANTS:
        return TargetSpec("variant", target)
    known = ", ".join(sorted(VARIANTS))
    raise UsageError(f"unknown target {target!r}: not a variant ({known}) nor module:attribute")
