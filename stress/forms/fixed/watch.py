"""The search's view of a fixed pipeline: what single trials cannot tell.

Invariants:

* Fewer results for the same items: every trial that returned normally, with no
  injected fault, is added to a :class:`~stress.forms.fixed.tally.Tally` by its item group;
  the first shortfall becomes a LOST defect on the trial with fewer results, its
  configuration carrying the items' digest and the reference count, so a replay of
  that one trial can judge it alone.
* A patch that no trial called is a usage error, never a silent PASS: at the end of a
  search, or as soon as ``EARLY`` trials with items returned normally without calling
  it (the contract: a patched stage is called once per item).
* A replay that drew other items than its token's digest is a usage error.
"""

from __future__ import annotations

import dataclasses

from stress.core.errors import UsageError
from stress.core.record import TrialRecord
from stress.forms.fixed.items import group_of
from stress.forms.fixed.spec import FixedSpec
from stress.forms.fixed.tally import Tally
from stress.forms.fixed.trial import CALLS, STUCK

#: Trials with items that returned normally before an uncalled patch is reported.
EARLY = 20


def stamp(record: TrialRecord) -> TrialRecord:
    """``record`` with its items' digest in its configuration, for the replay token.

    A reference count stays only if the items are those it was counted for.
    """
    if "items_digest" not in record.counts:
        return record
    digest = f"{record.counts['items_digest']:016x}"
    config = record.config
    reference = config.reference_results if config.items_digest == digest else -1
    config = dataclasses.replace(config, items_digest=digest, reference_results=reference)
    return dataclasses.replace(record, config=config)


class FixedWatch:
    """Adds up patch calls and result counts over a search's trials."""

    def __init__(self, fixed: FixedSpec) -> None:
        self.fixed = fixed
        self.calls = [0] * len(fixed.patches)
        self.tally: Tally[TrialRecord] = Tally()
        self.normal_with_items = 0
        self.compared = 0
        self.faulted = 0  # trials in which a stage fault was injected
        self.unreplaceable = [0] * len(fixed.patches)

    def see(self, record: TrialRecord) -> TrialRecord:
        """Take a finished trial: itself, or a LOST defect once two of a group disagree."""
        counts = record.counts
        if record.skipped or not counts:
            return record
        if not counts.get("items_digest_ok", 1):
            raise UsageError(
                "the replay drew other items than the trial it replays (the --items "
                "strategy, its module or hypothesis changed, or other local modules are loaded)"
            )
        for i in range(len(self.calls)):
            self.calls[i] += counts.get(f"{CALLS}{i}", 0)
            self.unreplaceable[i] = max(self.unreplaceable[i], counts.get(f"{STUCK}{i}", 0))
        self.compared += counts.get("compared", 0)
        self.faulted += counts.get("faults", 0) > 0
        normal = (
            record.category is None
            and not counts.get("raised", 0)
            and not counts.get("faults", 0)
            and not counts.get("returned_none", 0)
        )
        if not normal:
            return record
        config = record.config
        if config.items:
            self.normal_with_items += 1
            self._early_check()
        found = self.tally.record(
            group_of(config.k, self.fixed.repeats), config.k, counts.get("returned", 0), record
        )
        if found is None:
            return record
        lossy = stamp(found.lossy.record)
        return dataclasses.replace(
            lossy,
            config=dataclasses.replace(lossy.config, reference_results=found.reference.count),
            category="LOST",
            summary=(
                f"{found.lost} result(s) lost: the same {config.items} item(s) gave "
                f"{found.reference.count} result(s) in one trial, {found.lossy.count} in another"
            ),
            details=[*found.lines(), *lossy.details],
        )

    def _uncalled(self) -> list[str]:
        names = []
        for patch, calls, stuck in zip(
            self.fixed.patches, self.calls, self.unreplaceable, strict=True
        ):
            if calls == 0:
                why = f" ({stuck} reference(s) it cannot replace)" if stuck else ""
                names.append(f"{patch.name}{why}")
        return names

    def _early_check(self) -> None:
        if self.normal_with_items >= EARLY and self._uncalled():
            self.finish(trials=self.normal_with_items)

    def finish(self, *, trials: int) -> None:
        """``UsageError`` if a patch was never called in ``trials`` trials."""
        uncalled = self._uncalled()
        if uncalled and trials:
            raise UsageError(
                f"--patch {', '.join(uncalled)} was never called in {trials} trial(s): the "
                "pipeline does not reach it through a replaced reference; a bound method or "
                "functools.partial made before the trial is not replaced (README.md, 'Test your "
                "own pipeline', lists the forms covered)"
            )

    @property
    def results_checked(self) -> bool:
        return self.fixed.results_checked and self.compared > 0

    @property
    def errors_checked(self) -> bool:
        """Whether a stage fault was injected at all (only patched stages can raise)."""
        return self.faulted > 0
