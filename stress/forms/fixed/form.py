"""The fixed form: ``pipeline(items)``, the user's code as written (CONTRACT section 1b).

:class:`FixedForm` is the :class:`~stress.forms.protocol.TargetForm` of a fixed pipeline: its
options (:class:`~stress.forms.fixed.spec.FixedSpec`) plus what the harness asks of a form,
each delegated to the module that does it: the draw (:mod:`stress.forms.fixed.spec`), the
pressure before the import and the trial after it (:mod:`stress.forms.fixed.trial`), the
watch across trials and the token's items digest (:mod:`stress.forms.fixed.watch`).
:func:`make_fixed` is where a face (CLI, API) turns a target into a fixed one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stress.core.config import SearchOptions, TrialConfig
from stress.core.errors import UsageError
from stress.core.record import TrialRecord
from stress.forms.fixed.patching import parse_patch
from stress.forms.fixed.spec import (
    FixedSpec,
    check_module_attr,
    probe_is_fixed,
    takes_items_only,
)
from stress.forms.fixed.trial import FixedTrial, before_import
from stress.forms.fixed.watch import FixedWatch, stamp
from stress.forms.targets import TargetSpec


@dataclass(frozen=True)
class FixedForm(FixedSpec):
    """A fixed pipeline's options, and the form the harness runs it in."""

    @property
    def shrinks_shape(self) -> bool:
        return False  # its stages and items are its own

    @property
    def reopens(self) -> bool:
        return False  # a trial installs its patches on the target's own functions

    def before_import(self, config: TrialConfig) -> None:
        before_import(config)  # locks and queues made at import get pressure too

    def open_trial(self, config: TrialConfig, target: Callable[..., Any]) -> FixedTrial:
        return FixedTrial(self, config, target)

    def watch(self) -> FixedWatch:
        return FixedWatch(self)

    def seal(self, record: TrialRecord) -> TrialRecord:
        return stamp(record)  # the token carries the items' digest for the replay

    def shape_text(self, config: TrialConfig) -> tuple[str, str]:
        return "a fixed pipeline (stage i: its i-th --patch)", "items as drawn"


def make_fixed(
    spec: TargetSpec,
    *,
    fixed: bool | None,
    expect: object = None,
    patch: Sequence[object] | str | None = None,
    items: object = None,
    options: SearchOptions,
    probe_timeout: float = 10.0,
) -> TargetSpec:
    """``spec`` with its :class:`FixedSpec` when the target is fixed; ``UsageError`` else."""
    if isinstance(patch, str):
        patch = [patch]
    patches = tuple(parse_patch(p) for p in patch or ())
    if len({p.name for p in patches}) != len(patches):
        raise UsageError("--patch names the same function twice")
    check_module_attr("--expect", expect)
    check_module_attr("--items", items)
    if expect is not None and not isinstance(expect, str) and not callable(expect):
        raise UsageError(f"--expect must be MODULE:ATTR or a function, not {type(expect).__name__}")
    if fixed is not None and not isinstance(fixed, bool):
        raise UsageError(f"fixed must be True, False or None, not {fixed!r}")
    asked = bool(patches) or expect is not None or items is not None
    if fixed is None:
        if spec.kind == "callable" and spec.func is not None:
            fixed = takes_items_only(spec.func)
        elif spec.kind == "import":
            fixed = probe_is_fixed(spec, probe_timeout)
        else:
            fixed = False
    if not fixed:
        if asked:
            raise UsageError(
                "--patch, --expect and --items are for a fixed pipeline, pipeline(items): "
                "add --fixed (fixed=True)"
            )
        return spec
    if options.stages is not None or options.workers is not None:
        raise UsageError("--stages and --workers do not apply to a fixed pipeline")
    if items is not None and not isinstance(items, str):
        from stress.forms.fixed.items import ensure_strategy  # noqa: PLC0415 -- imports hypothesis

        ensure_strategy(items)
    if items is not None:
        import hypothesis  # noqa: F401, PLC0415 -- once here, not in every trial
    chosen = FixedForm(patches=patches, expect=expect, items=items)
    return dataclasses.replace(spec, form=chosen)
