"""Reference thread-pool pipelines: the tutorial's variants (flaws kept) and our own.

``VARIANTS`` maps each variant name to a target with default settings;
``make(name, maxsize=..., pool_size=..., barrier_parties=...)`` builds one with other
settings and raises ``TypeError`` for a setting the variant does not have
(CONTRACT.md section 2).  Standard library only; nothing here imports ``stress``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from reference._skeleton import SETTING_NAMES, Settings, Stage, Target, Variant
from reference.barrier import Barrier
from reference.barrier_as_published import BarrierAsPublished
from reference.countdown import Countdown
from reference.counted import Counted
from reference.queue_shutdown import QueueShutdown
from reference.separate_pools import SeparatePools
from reference.single_pool import SinglePool

__all__ = ["OWN", "TUTORIAL", "VARIANTS", "Stage", "Target", "Variant", "make"]

_CLASSES: dict[str, type[Variant]] = {
    cls.name: cls
    for cls in (
        SinglePool,
        Counted,
        BarrierAsPublished,
        Barrier,
        SeparatePools,
        Countdown,
        QueueShutdown,
    )
}

#: The five variants that keep the tutorial's protocol and its flaws.
TUTORIAL: tuple[str, ...] = (
    "single_pool",
    "counted",
    "barrier_as_published",
    "barrier",
    "separate_pools",
)

#: The project's own designs: correct, streaming, cancelling on the first failure.
OWN: tuple[str, ...] = ("countdown", "queue_shutdown")


def make(
    name: str,
    *,
    maxsize: int = 0,
    pool_size: int | None = None,
    barrier_parties: int | None = None,
) -> Variant:
    """Build variant ``name`` with the given settings.

    Raises ``KeyError`` for an unknown name, ``TypeError`` for a setting the variant
    does not have (or a value of the wrong type), ``ValueError`` for an out-of-range one.
    """
    try:
        cls = _CLASSES[name]
    except KeyError:
        known = ", ".join(sorted(_CLASSES))
        raise KeyError(f"unknown variant {name!r}; known: {known}") from None
    given = {"maxsize": maxsize, "pool_size": pool_size, "barrier_parties": barrier_parties}
    defaults = Settings()
    for setting in SETTING_NAMES:
        if setting not in cls.accepted_settings and given[setting] != getattr(defaults, setting):
            raise TypeError(f"variant {name!r} has no setting {setting!r}")
    return cls(Settings(maxsize=maxsize, pool_size=pool_size, barrier_parties=barrier_parties))


#: Every variant by name, with default settings.
VARIANTS: Mapping[str, Target] = MappingProxyType({name: make(name) for name in _CLASSES})
