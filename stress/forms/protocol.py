"""What the harness asks of a target form, and nothing else.

A *form* is how a target is called and judged: the generalised form
``pipeline(items, stages, workers)`` (:mod:`stress.forms.generalised`) or the fixed form
``pipeline(items)`` with patches and pressure (:mod:`stress.forms.fixed`).  The search, the
trial's child, shrinking, the report and the API hold a :class:`TargetForm` and never
ask which one it is; everything that differs between forms is a method here, and the
difference is visible in one place: the form's own module.

Invariants every form keeps:

* :meth:`TargetForm.draw` is a pure function of ``(seed, k, options)``.
* In a trial's child, :meth:`TargetForm.before_import` runs before the target's module
  is imported and :meth:`TargetForm.open_trial` after; the caller's process never runs
  either.
* :meth:`FormTrial.judge` may only add to a verdict the core's oracle made (counts,
  details) or turn a pass into a defect the form alone can see; it never hides one.

A new form implements these three protocols in its own module or package and is chosen
where a :class:`~stress.forms.targets.TargetSpec` is made (the faces: CLI and API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from stress.core.config import SearchOptions, TrialConfig
from stress.core.oracle import Observation, Verdict

if TYPE_CHECKING:
    from stress.core.record import TrialRecord
    from stress.forms.workload import Workload


class FormTrial(Protocol):
    """A form's side of one trial, inside the trial's child, once the target is imported."""

    @property
    def workload(self) -> Workload:
        """The items, the instrumented stages and the harness's timing noise."""
        ...

    @property
    def expected(self) -> list[Any]:
        """Every item's expected result (placeholders when results are not compared)."""
        ...

    @property
    def intermediates(self) -> list[list[Any]]:
        """Each stage's outputs, for naming a wrong value; empty when unknown."""
        ...

    def call(self, target: Callable[..., Any], obs: Observation) -> Any:
        """Call ``target``; what the child iterates (``None``: it returned nothing)."""
        ...

    def stop(self) -> None:
        """The call and the reading of its results are over (raised or not)."""
        ...

    def judge(self, verdict: Verdict, obs: Observation) -> Verdict:
        """The form's part of the verdict (see the module's invariants)."""
        ...


class FormWatch(Protocol):
    """A form's view across a search's trials: what single trials cannot tell."""

    @property
    def results_checked(self) -> bool: ...

    @property
    def errors_checked(self) -> bool: ...

    def see(self, record: TrialRecord) -> TrialRecord:
        """Take a finished trial; return it, or a defect made from several trials."""
        ...

    def finish(self, *, trials: int) -> None:
        """The search ended with no defect after ``trials``; ``UsageError`` if misused."""
        ...


class TargetForm(Protocol):
    """How a target is drawn for, called, judged and described (see the module doc)."""

    @property
    def results_checked(self) -> bool:
        """Whether results can be compared with expected values at all."""
        ...

    @property
    def reopens(self) -> bool:
        """Whether :meth:`open_trial` may run again in the same child (a new trial on
        fresh items and stages); the deterministic mode runs many schedules per child
        only then."""
        ...

    @property
    def shrinks_shape(self) -> bool:
        """Whether shrinking may change stages, widths and items (its own shape if not)."""
        ...

    def draw(self, seed: int, k: int, options: SearchOptions) -> TrialConfig:
        """Trial ``k``'s configuration: a pure function of the arguments."""
        ...

    def before_import(self, config: TrialConfig) -> None:
        """In the trial's child, before the target's module is imported."""
        ...

    def open_trial(self, config: TrialConfig, target: Callable[..., Any]) -> FormTrial:
        """In the trial's child, after the import; ``UsageError`` on bad options."""
        ...

    def watch(self) -> FormWatch:
        """A fresh watch for one search."""
        ...

    def seal(self, record: TrialRecord) -> TrialRecord:
        """The reported trial, with what its replay token must carry."""
        ...

    def replay_options(self, kind: str) -> str:
        """Options a replay line needs besides the token (``kind``: the target's kind)."""
        ...

    def describe(self) -> dict[str, Any] | None:
        """The form's options as JSON (``--json``'s ``options.fixed``), ``None`` if none."""
        ...

    def shape_text(self, config: TrialConfig) -> tuple[str, str]:
        """How a report names a trial's shape and values."""
        ...
