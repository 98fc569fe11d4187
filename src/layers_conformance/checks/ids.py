"""Which ids two walks both list, exactly, in 16 bytes an id instead of a set of strings.

A comparison asks, for each influencer one walk lists, whether the other lists it too: against
a walk of a large list, 100,000 ids or more. A set of them, with the strings it keeps alive,
is over 110 bytes an id. Here one walk's ids are kept as each one's hash and its place in the
walk, sorted by hash: an id is found by bisection, then its text compared with the id of the
item at that place, read back (pages are read back in the order the walks list them, a few kept
parsed). Any text is an id, and every answer is exact: an equal hash is never taken for an
equal id, so an influencer missing is never taken for one present.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from layers_conformance.checks.listing import Listing
from layers_conformance.core.pages import Item, item_id

# Ids sorted at once before their runs are merged: the pairs of a run are the only Python
# objects per id alive while the arrays are made.
RUN = 1 << 12


class CommonIds:
    """The distinct ids both `items` (those `holds` keeps, when given) and `others` list.

    `items` is read twice (once here, then an item at a time when an id is asked about) and
    `others` passes one id at a time: make `items` the shorter."""

    def __init__(
        self,
        items: Sequence[Item],
        others: Iterable[str],
        holds: Callable[[Item], bool] | None = None,
    ) -> None:
        self._items = items
        # The run of a `Listing` read last, from its first place: an id is asked about near
        # the one before (the walks list them in the same order), so a run is looked up once.
        self._run: tuple[int, Sequence[Item]] = (0, ())
        placed = (
            (hash(item_id(item)), place)
            for place, item in enumerate(items)
            if holds is None or holds(item)
        )
        self._hashes, self._places = _sorted(placed, 2)
        self._buckets = _Buckets(self._hashes)
        self._kept = bytearray(len(self._hashes))  # 1 at the first entry of an id both list
        for ident in others:
            entry = self._entry(ident)
            if entry is not None:
                self._kept[entry] = 1

    def __contains__(self, ident: object) -> bool:
        entry = self._entry(ident) if isinstance(ident, str) else None
        return entry is not None and self._kept[entry] == 1

    def __len__(self) -> int:
        return self._kept.count(1)

    def _entry(self, ident: str) -> int | None:
        # The first entry whose item's id is `ident`: among those of equal hash (the same id
        # listed again, or another whose hash is equal), the text decides.
        hashed, hashes = hash(ident), self._hashes
        entry = self._buckets.first(hashed)
        while entry < len(hashes) and hashes[entry] == hashed:
            if self._id_at(self._places[entry]) == ident:
                return entry
            entry += 1
        return None

    def _id_at(self, place: int) -> str:
        items = self._items
        if not isinstance(items, Listing):
            return item_id(items[place])
        start, run = self._run
        if not start <= place < start + len(run):
            start, run = self._run = items.run_at(place)
        return item_id(run[place - start])


class Hashes:
    """Ids by their hash alone, 8 bytes each: an id held is always found, and another is taken
    for one held once in 2**64 times. For a question asked to save work, whose answer is the
    same when asked of any id (only cheaper not to ask)."""

    def __init__(self, ids: Iterable[str]) -> None:
        (self._hashes,) = _sorted(((hash(ident),) for ident in ids), 1)

    def __contains__(self, ident: object) -> bool:
        if not isinstance(ident, str):
            return False
        hashed, hashes = hash(ident), self._hashes
        entry = bisect_left(hashes, hashed)
        return entry < len(hashes) and hashes[entry] == hashed


class _Buckets:
    """Where each range of hashes starts among sorted ones (a range for some 8 of them): a
    search in a few, not a bisection of an array whose every element read is a new int."""

    def __init__(self, hashes: array[int]) -> None:
        self._hashes = hashes
        self._shift = 64 - max(1, (len(hashes) // 8).bit_length())
        ranges = 1 << (64 - self._shift)
        self._starts = array(
            "q", (bisect_left(hashes, (n << self._shift) - (1 << 63)) for n in range(ranges + 1))
        )

    def first(self, hashed: int) -> int:
        """The place of the first hash not below `hashed`."""
        n = (hashed + (1 << 63)) >> self._shift
        return bisect_left(self._hashes, hashed, self._starts[n], self._starts[n + 1])


def _sorted(rows: Iterator[tuple[int, ...]], width: int) -> list[array[int]]:
    """The rows sorted, as one array per column."""
    runs = []
    while run := sorted(islice(rows, RUN)):
        runs.append([array("q", column) for column in zip(*run, strict=True)])
    columns = [array("q") for _ in range(width)]
    for row in heapq.merge(*(zip(*run, strict=True) for run in runs)):
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns
