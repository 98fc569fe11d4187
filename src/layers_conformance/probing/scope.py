"""What a check looked at, in words: the reason a requirement that passed gives.

A walk that used its share of the budget is a prefix, so "pass" means "held on what was
checked"; the reason says how much that was ("the first 945 of >= 20,100 at limit 1").
"""

from __future__ import annotations

from collections.abc import Mapping

from layers_conformance.checks.params import STATUSES
from layers_conformance.core.pages import Traversal

WalkKey = tuple[int | None, str | None]


def list_size(walks: Mapping[WalkKey, Traversal]) -> tuple[int, bool]:
    """How many influencers the unfiltered list holds, and whether that is exact or a floor."""
    unfiltered = [t for (_, status), t in walks.items() if status is None]
    complete = [len(t.items) for t in unfiltered if t.complete]
    if complete:
        return max(complete), True
    return max((len(t.items) for t in unfiltered), default=0), False


def checked(
    used: Mapping[WalkKey, Traversal],
    total: tuple[int, bool],
    sampled: Mapping[WalkKey, int] | None = None,
) -> str:
    """One sentence naming every walk a check read and how much of the list each held;
    `sampled` gives, for a walk of which only some pages were read, how many."""
    sampled = sampled or {}
    parts = _unfiltered(used, total, sampled) + _filtered(used, sampled)
    return f"checked {'; '.join(parts)}" if parts else ""


def _unfiltered(
    used: Mapping[WalkKey, Traversal], total: tuple[int, bool], sampled: Mapping[WalkKey, int]
) -> list[str]:
    size, exact = total
    by_extent: dict[str, list[str]] = {}
    for key, walk in sorted(used.items(), key=_widest_first):
        if key[1] is None:
            extent = _extent(walk, size, exact) + _sample(walk, sampled.get(key))
            by_extent.setdefault(extent, []).append(_size_name(key[0]))
    return [f"{extent} at {_joined(sizes)}" for extent, sizes in by_extent.items()]


def _filtered(used: Mapping[WalkKey, Traversal], sampled: Mapping[WalkKey, int]) -> list[str]:
    filtered = {key: walk for key, walk in used.items() if key[1] is not None}
    limits = sorted({_size_name(limit) for limit, _ in filtered})
    if not filtered:
        return []
    each = [
        f"{'all' if walk.complete else 'the first'} {len(walk.items):,} {status}"
        + _sample(walk, sampled.get(key))
        for status in STATUSES
        for key, walk in filtered.items()
        if key[1] == status
    ]
    return [f"status filters at {_joined(limits)}: {', '.join(each)}"]


def _extent(walk: Traversal, size: int, exact: bool) -> str:
    held = len(walk.items)
    if walk.complete:
        return f"all {held:,} influencers"
    if held == size and not exact:
        extent = f"the first {held:,} influencers (as far as the walk's share went)"
    else:
        of = f"{size:,}" if exact else f"≥ {size:,}"
        extent = f"the first {held:,} of {of} influencers"
    return extent if walk.prefix else f"{extent} ({walk.stopped})"


def _sample(walk: Traversal, pages: int | None) -> str:
    if pages is None:
        return ""
    items = sum(len(page.items) for page in walk.pages[: pages - 1]) + len(walk.pages[-1].items)
    read = f"{pages:,} of {len(walk.pages):,} pages"
    return f" (items read on {read}, the first and the last: {items:,})"


def _size_name(limit: int | None) -> str:
    return "the default page size" if limit is None else f"limit {limit}"


def _joined(names: list[str]) -> str:
    limits = [n.removeprefix("limit ") for n in names if n.startswith("limit ")]
    rest = [n for n in names if not n.startswith("limit ")]
    said = [f"limit{'s' if len(limits) > 1 else ''} {', '.join(limits)}"] if limits else []
    return " and ".join(said + rest)


def _widest_first(entry: tuple[WalkKey, Traversal]) -> tuple[int, str]:
    (limit, status), _ = entry
    return (-(limit or 25), status or "")
