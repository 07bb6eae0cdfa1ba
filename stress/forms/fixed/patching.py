"""``--patch MODULE:ATTR``: wrap a stage function inside a trial, wherever it is referred to.

Invariant: :func:`install` runs only in a trial's child process (the caller's process
and files are never changed).  It replaces the function with one wrapper (each call
counted and routed through the harness's hook: timing noise, injected faults) at:

* its owner: the module attribute, or ``Class.method`` on that class (plain methods,
  ``staticmethod`` and ``classmethod`` alike);
* every loaded module's namespace that holds the same function object under any name
  (``from module import func``, ``import module as m`` followed by ``m.func`` needs no
  more: the lookup happens at call time);
* in modules outside the standard library, one level deeper: class bodies
  (``stage = func``, ``staticmethod(func)``), module-level lists, dicts and tuples
  (``STAGES = [parse, store]``), module-level objects' attributes (``self.fn = func``
  on an instance made at import), and the default arguments and closure cells of
  module-level functions and methods and of the target itself.

Not covered, and listed as *unreplaceable* so a "never called" error can say why:
bound methods (``HANDLER = obj.method`` made before the trial), ``functools.partial``
objects, and references nested deeper than one level (a list inside a dict, a
function captured by an object inside a list).  References created after
:func:`install` (at call time) see the wrapper, since they read one of the places above.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import os
import re
import sys
import sysconfig
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from stress.core.errors import UsageError

#: ``hook(index, n, original, args, kwargs)``: the n-th call (0-based) of patch ``index``.
Hook = Callable[[int, int, Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]

_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])
_PLATSTDLIB = os.path.realpath(sysconfig.get_paths()["platstdlib"])
#: Modules never scanned: the harness and the test tools around it.
_SKIP = ("stress", "hypothesis", "_pytest", "pytest", "pluggy", "_hypothesis")
#: Containers longer than this are not scanned (a data table, not a stage list).
_LONGEST = 10_000
_MARK = "__stress_patch__"


@dataclass(frozen=True)
class PatchSpec:
    """``module:attr``; ``attr`` may be dotted (``Class.method``)."""

    module: str
    attr: str

    @property
    def name(self) -> str:
        return f"{self.module}:{self.attr}"


def parse_patch(text: object) -> PatchSpec:
    """A :class:`PatchSpec`; ``UsageError`` (one line) unless ``text`` is MODULE:ATTR."""
    if not isinstance(text, str):
        raise UsageError(f"--patch must be a MODULE:ATTR string, not {type(text).__name__}")
    module, _, attr = text.partition(":")
    if not _NAME.match(module) or not _NAME.match(attr):
        raise UsageError(f"bad --patch {text!r}: expected MODULE:ATTR (ATTR may be Class.method)")
    return PatchSpec(module, attr)


@dataclass
class Installed:
    """One patch in this child: where it was put, and what could not be replaced."""

    spec: PatchSpec
    original: Callable[..., Any]
    wrapper: Callable[..., Any]
    replaced: list[str] = field(default_factory=list)
    unreplaceable: list[str] = field(default_factory=list)
    calls: list[int] = field(default_factory=lambda: [0])  # calls so far (exact)


def _resolve(spec: PatchSpec) -> tuple[Any, str, Any, Callable[..., Any]]:
    """(owner, attribute name, raw owner entry, the function to wrap)."""
    try:
        owner: Any = importlib.import_module(spec.module)
    except BaseException as error:  # SystemExit from a script-like module too
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"--patch {spec.name}: cannot import {spec.module!r}: {detail}") from None
    *path, last = spec.attr.split(".")
    for part in path:
        try:
            owner = getattr(owner, part)
        except AttributeError:
            raise UsageError(f"--patch {spec.name}: no attribute {part!r}") from None
    raw = owner.__dict__.get(last) if isinstance(owner, type) else None
    if raw is None:
        try:
            raw = getattr(owner, last)
        except AttributeError:
            raise UsageError(f"--patch {spec.name}: no attribute {last!r}") from None
        if isinstance(raw, types.MethodType):  # inherited classmethod, looked up bound
            raw = raw.__func__
    func = raw.__func__ if isinstance(raw, staticmethod | classmethod) else raw
    if not callable(func):
        raise UsageError(f"--patch {spec.name} is not a function (it is a {type(func).__name__})")
    if getattr(func, _MARK, None) is not None:
        raise UsageError(f"--patch {spec.name}: the same function is patched twice")
    return owner, last, raw, func


def _wrap(index: int, func: Callable[..., Any], hook: Hook, calls: list[int]) -> Callable[..., Any]:
    counter = itertools.count()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        n = next(counter)  # atomic under the GIL: exact call numbers
        calls[0] = n + 1
        return hook(index, n, func, args, kwargs)

    setattr(wrapper, _MARK, index)
    return wrapper


def install(
    specs: Iterable[PatchSpec], hook: Hook, roots: Iterable[object] = ()
) -> list[Installed]:
    """Wrap every patch; ``roots`` (such as the target) get their closures scanned too."""
    done: list[Installed] = []
    for index, spec in enumerate(specs):
        owner, last, raw, func = _resolve(spec)
        calls = [0]
        wrapper = _wrap(index, func, hook, calls)
        patch = Installed(spec, func, wrapper, calls=calls)
        if isinstance(raw, staticmethod):
            setattr(owner, last, staticmethod(wrapper))
        elif isinstance(raw, classmethod):
            setattr(owner, last, classmethod(wrapper))
        else:
            setattr(owner, last, wrapper)
        patch.replaced.append(spec.name)
        done.append(patch)
    if done:
        _Scanner({id(p.original): p for p in done}).scan(roots)
    return done


_STDLIB_PREFIXES = tuple({_STDLIB, _PLATSTDLIB, *sysconfig.get_paths().values()} - {""})


def _where(name: str, module: types.ModuleType) -> str:
    """``stdlib``, ``packages`` (site-packages) or ``local`` (the user's own code)."""
    path = getattr(module, "__file__", None)
    if not path:
        top = name.partition(".")[0]
        return "stdlib" if top in sys.stdlib_module_names or name != "__main__" else "local"
    if "-packages" in path:
        return "packages"
    return "stdlib" if path.startswith(_STDLIB_PREFIXES) else "local"


class _Scanner:
    """Finds references to the originals and points them at the wrappers."""

    def __init__(self, by_id: dict[int, Installed]) -> None:
        self.by_id = by_id

    def _hit(self, value: object) -> Installed | None:
        patch = self.by_id.get(id(value))
        return patch if patch is not None and patch.original is value else None

    def _swap(self, value: object, where: str) -> object:
        """The replacement for ``value`` (itself if none); records unreplaceable ones."""
        patch = self.by_id.get(id(value))
        if patch is not None and patch.original is value:
            patch.replaced.append(where)
            return patch.wrapper
        kind = type(value)
        if kind is staticmethod or kind is classmethod:
            patch = self._hit(value.__func__)  # type: ignore[attr-defined]
            if patch is not None:
                patch.replaced.append(where)
                return kind(patch.wrapper)
        elif kind is types.MethodType or kind is functools.partial:
            inner = value.__func__ if kind is types.MethodType else value.func  # type: ignore[attr-defined]
            patch = self._hit(inner)
            if patch is not None:
                label = "a bound method" if kind is types.MethodType else "a functools.partial"
                patch.unreplaceable.append(f"{label} at {where}")
        return value

    def scan(self, roots: Iterable[object]) -> None:
        for name, module in list(sys.modules.items()):
            if module is None or name.split(".")[0] in _SKIP:
                continue
            try:
                namespace = vars(module)
            except TypeError:
                continue
            place = _where(name, module)
            if place == "stdlib":
                continue  # the standard library never holds the user's stage functions
            deep = place == "local"
            for attr, value in list(namespace.items()):
                where = f"{name}.{attr}"
                new = self._swap(value, where)
                if new is not value:
                    namespace[attr] = new
                elif deep:
                    self._deep(value, where, namespace, attr)
        for root in roots:
            self._function(root, "the target")

    def _deep(self, value: object, where: str, namespace: dict[str, Any], attr: str) -> None:
        if isinstance(value, types.FunctionType):
            self._function(value, where)
        elif isinstance(value, type):
            self._class(value, where)
        elif isinstance(value, list) and len(value) <= _LONGEST:
            for i, element in enumerate(value):
                value[i] = self._swap(element, f"{where}[{i}]")
        elif isinstance(value, dict) and len(value) <= _LONGEST:
            for key, element in list(value.items()):
                value[key] = self._swap(element, f"{where}[{key!r}]")
        elif isinstance(value, tuple) and len(value) <= _LONGEST:
            swapped = tuple(self._swap(e, f"{where}[{i}]") for i, e in enumerate(value))
            if any(a is not b for a, b in zip(swapped, value, strict=True)):
                namespace[attr] = type(value)(swapped) if type(value) is tuple else swapped
        elif not isinstance(value, types.ModuleType) and hasattr(value, "__dict__"):
            try:
                state = vars(value)
            except TypeError:
                return
            if isinstance(state, dict):
                for key, element in list(state.items()):
                    state[key] = self._swap(element, f"{where}.{key}")

    def _class(self, cls: type, where: str) -> None:
        for key, element in list(cls.__dict__.items()):
            new = self._swap(element, f"{where}.{key}")
            if new is not element:
                setattr(cls, key, new)
            elif isinstance(element, types.FunctionType):
                self._function(element, f"{where}.{key}")

    def _function(self, func: object, where: str) -> None:
        func = getattr(func, "__func__", func)  # a bound method as root
        if not isinstance(func, types.FunctionType) or hasattr(func, _MARK):
            return  # not a function, or one of the wrappers (whose cell holds the original)
        if func.__defaults__:
            swapped = tuple(self._swap(d, f"a default of {where}") for d in func.__defaults__)
            func.__defaults__ = swapped
        if func.__kwdefaults__:
            for key, element in list(func.__kwdefaults__.items()):
                func.__kwdefaults__[key] = self._swap(element, f"a default of {where}")
        for i, cell in enumerate(func.__closure__ or ()):
            try:
                content = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            new = self._swap(content, f"closure cell {i} of {where}")
            if new is not content:
                cell.cell_contents = new
