"""The fault catalogue: deviations (FAULTS), conformant variants (VARIANTS), hostile servers,
and deviations that only a list changing while it is read shows (LIVE_FAULTS)."""

from __future__ import annotations

from collections.abc import Iterable

from layers_conformance.reference.faults import (
    access,
    archived,
    combinations,
    errors,
    hostile,
    keyforms,
    limits,
    live,
    nearmiss,
    ordering,
    paging,
    rawquery,
    shape,
    status,
    variants,
)
from layers_conformance.reference.hooks import Fault


def _by_name(faults: Iterable[Fault]) -> dict[str, Fault]:
    catalogue: dict[str, Fault] = {}
    for fault in faults:
        if fault.name in catalogue:
            raise ValueError(f"fault name {fault.name!r} is used twice")
        catalogue[fault.name] = fault
    return catalogue


FAULTS = _by_name(
    (
        *ordering.ALL,
        *paging.ALL,
        *limits.ALL,
        *status.ALL,
        *archived.ALL,
        *shape.ALL,
        *errors.ALL,
        *access.ALL,
        *combinations.ALL,
        *nearmiss.ALL,
        *rawquery.ALL,
        *keyforms.ALL,
    )
)
VARIANTS = _by_name(variants.ALL)
HOSTILE = _by_name(hostile.ALL)
LIVE_FAULTS = _by_name(live.ALL)
CATALOGUE = _by_name(
    (*FAULTS.values(), *VARIANTS.values(), *HOSTILE.values(), *LIVE_FAULTS.values())
)


def describe() -> str:
    """One line per fault: its kind, name, the ids it breaks and what it does."""
    kinds = {"fault": FAULTS, "variant": VARIANTS, "hostile": HOSTILE, "live": LIVE_FAULTS}
    return "\n".join(
        f"{kind:8} {name:38} {','.join(fault.breaks) or '-':40} {_doc(fault)}"
        for kind, faults in kinds.items()
        for name, fault in faults.items()
    )


def _doc(fault: Fault) -> str:
    return (type(fault).__doc__ or "").strip()


__all__ = ["CATALOGUE", "FAULTS", "HOSTILE", "LIVE_FAULTS", "VARIANTS", "Fault", "describe"]
