"""What makes a target *fixed* (CONTRACT.md section 1b), decided in the caller's process.

Invariants:

* :func:`stress.forms.fixed.form.make_fixed` validates every fixed option before any
  trial runs (one-line :class:`UsageError`) and imports nothing of the user's: a
  ``module:attr`` target's signature is read in a throwaway child
  (:func:`probe_is_fixed`), never here.
* A target is fixed when asked (``--fixed``/``fixed=True``), or when exactly one of its
  parameters is required and positional (any others have defaults).  ``--patch``,
  ``--expect`` and ``--items`` need a fixed target.
* :meth:`FixedSpec.draw` is a pure function of (seed, k): trial k gets the items of
  group ``k // repeats`` (so ``repeats`` trials in a row share them, for the
  fewer-results check), one "stage" per patch for fault placement and timing noise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import random
import select
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stress.core import forking
from stress.core.config import EVERY_CALL, SearchOptions, TrialConfig, capped_slow_ms, draw
from stress.core.errors import UsageError
from stress.forms.fixed.items import group_of, item_count
from stress.forms.fixed.patching import PatchSpec, parse_patch

if TYPE_CHECKING:
    from stress.forms.targets import TargetSpec

#: Trials in a row that get the same items (the fewer-results check compares them).
REPEATS = 3


@dataclass(frozen=True)
class FixedSpec:
    """A fixed pipeline's options; ``expect``/``items`` are ``module:attr`` or objects."""

    patches: tuple[PatchSpec, ...] = ()
    expect: str | Callable[[Any], Any] | None = None
    items: Any = None  # "module:attr" or a hypothesis strategy
    repeats: int = REPEATS

    @property
    def results_checked(self) -> bool:
        return self.expect is not None

    def draw(self, seed: int, k: int, options: SearchOptions) -> TrialConfig:
        """Trial ``k``: the core's timing and fault draw, with the group's item count."""
        stages = max(1, len(self.patches))
        base = draw(seed, k, dataclasses.replace(options, stages=stages, workers=(1,)))
        count = item_count(seed, group_of(k, self.repeats), options.max_items)
        fault_stage, fault_call = base.fault_stage, base.fault_call
        if not self.patches or count == 0 or fault_stage is None:
            fault_stage, fault_call = None, 0
        elif fault_call != EVERY_CALL:
            rng = random.Random(f"fixed-fault:{seed}:{k}")
            fault_call = rng.choice((0, count - 1, rng.randrange(count)))
        return dataclasses.replace(
            base,
            items=count,
            awkward=0.0,
            fault_stage=fault_stage,
            fault_call=fault_call,
            slow_ms=capped_slow_ms(base.slow_ms, count),
        )

    def describe(self) -> dict[str, Any]:
        """The options as JSON (``--json``'s ``options.fixed``)."""
        return {
            "patch": [p.name for p in self.patches],
            "expect": label(self.expect),
            "items": label(self.items),
        }

    def replay_options(self, kind: str) -> str:
        """What a replay line must repeat: CLI options, or ``check`` keywords."""
        if kind == "callable":
            parts = ["fixed=True"]
            if self.patches:
                parts.append(f"patch={[p.name for p in self.patches]!r}")
            if self.expect is not None:
                parts.append(f"expect={label(self.expect)}")
            if self.items is not None:
                parts.append(f"items={label(self.items)}")
            return ", ".join(parts)
        parts = ["--fixed"]
        parts += [f"--patch {shlex.quote(p.name)}" for p in self.patches]
        if isinstance(self.expect, str):
            parts.append(f"--expect {shlex.quote(self.expect)}")
        if isinstance(self.items, str):
            parts.append(f"--items {shlex.quote(self.items)}")
        return " ".join(parts)


def label(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    return str(name) if name else repr(value)


def check_module_attr(option: str, value: object) -> None:
    if isinstance(value, str):
        try:
            parse_patch(value)
        except UsageError:
            raise UsageError(f"bad {option} {value!r}: expected MODULE:ATTR") from None


def takes_items_only(func: Callable[..., Any]) -> bool:
    """True when exactly one parameter is required and positional (others default)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    return len(required) == 1 and required[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def probe_is_fixed(spec: TargetSpec, timeout: float) -> bool:
    """Whether an importable target takes only items, read in a throwaway child.

    The child imports the target (so this process never does), answers one byte, and
    is killed; an import that fails is left to the trials, which report it.
    """
    read, write = os.pipe()
    pid = forking.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        answer = b"?"
        try:
            os.close(read)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            answer = b"1" if takes_items_only(spec.resolve()) else b"0"
        finally:
            with contextlib.suppress(OSError):
                os.write(write, answer)
            os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        answer = os.read(read, 1) if ready else b""
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(read)
    return answer == b"1"
