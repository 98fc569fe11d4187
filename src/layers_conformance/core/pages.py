"""Recorded pages and traversals: the data every invariant is a function of."""

from __future__ import annotations

import functools
import json
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any, Literal, overload

from layers_conformance.core.exchange import Exchange, Held, Stored, held_exchange, hold, shorten

Item = dict[str, Any]
# The fields of an item that walks are compared by (order, repeats, filters, changes); the
# rest of it is read from the body by the checks of its shape.
COMPARED = ("influencerId", "createdAt", "status")
# What ended a walk before `nextCursor: null`. Evidence against the server: cycle (a cursor
# came back), empty-cursor ("" as a cursor), not-a-page (an HTTP answer that is not a 200
# page). The suite's own limits, no evidence either way: empty-pages (a guard: empty pages in
# a row still carrying cursors), no-answer (a timeout or a dropped connection).
StopKind = Literal["cycle", "empty-cursor", "not-a-page", "empty-pages", "no-answer"]
EVIDENCE_STOPS: tuple[StopKind, ...] = ("cycle", "empty-cursor", "not-a-page")
# Pages kept parsed after their items were read back from disk (about 100 items each).
PAGES_READ_BACK = 32


class Page:
    """One 200 answer, read as a page (`items` and `nextCursor` as far as they are usable).

    Immutable. A page whose body is on disk (a run's, `core.exchange.Bodies`) keeps its items
    there too, read back when asked: a thorough run on a large list reads a million
    influencers, and a dict of each would hold hundreds of megabytes for the length of it.
    Its exchange, kept on disk with the body, is read back when asked as well.
    """

    __slots__ = ("_answer", "_count", "_held", "limit", "next_cursor", "number")

    _answer: Held  # the exchange, or where it is on disk (`Bodies.keep`)
    number: int
    limit: int | None
    next_cursor: str | None
    _held: tuple[Item, ...] | Stored  # the items, or where they are on disk
    _count: int

    def __init__(
        self,
        exchange: Exchange,
        number: int,
        limit: int | None,
        items: tuple[Item, ...],
        next_cursor: str | None,
    ) -> None:
        held: tuple[Item, ...] | Stored = items
        stored = exchange.stored
        if stored is not None and items:
            held = stored.bodies.set_aside(json.dumps(items, separators=(",", ":")))
        for name, value in (
            ("_answer", hold(exchange)),
            ("number", number),
            ("limit", limit),
            ("next_cursor", next_cursor),
            ("_held", held),
            ("_count", len(items)),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Page is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Page):
            return NotImplemented
        mine = (self.exchange, self.number, self.limit, self.next_cursor, self._count)
        theirs = (other.exchange, other.number, other.limit, other.next_cursor, other._count)
        return mine == theirs and self.items == other.items

    __hash__ = None  # type: ignore[assignment]  # its items are dicts: unhashable, as they are

    def __repr__(self) -> str:
        cursor = shorten(repr(self.next_cursor), 60)
        return f"Page({self.number}, {self._count} items, nextCursor {cursor})"

    @property
    def exchange(self) -> Exchange:
        return held_exchange(self._answer)

    @property
    def items(self) -> tuple[Item, ...]:
        held = self._held
        return held if isinstance(held, tuple) else _read_back(held)

    @property
    def size(self) -> int:
        """How many items it holds (without reading them back)."""
        return self._count

    @property
    def ids(self) -> list[str]:
        return [item_id(item) for item in self.items]


@functools.lru_cache(maxsize=PAGES_READ_BACK)
def _read_back(stored: Stored) -> tuple[Item, ...]:
    # The same page is often asked for again soon (a walk's sightings, one by one): a few
    # pages stay parsed, never a whole walk's.
    return tuple(json.loads(stored.read()))


@dataclass(frozen=True, repr=False)
class Traversal:
    """The pages met by following `nextCursor` from the first page.

    `stopped` is empty when the last page said `nextCursor: null`; otherwise it says why
    the walk ended early, and `stop_kind` which guard ended it (see `StopKind`).
    `prefix` is true when the walk stopped on purpose: it had used its share of the run's
    budget (see `probing.plan`), or held as many items as it was planned to.
    """

    pages: tuple[Page, ...]
    stopped: str = ""
    stop_kind: StopKind | None = None
    prefix: bool = False
    failed_exchange: Exchange | None = None

    def __repr__(self) -> str:
        end = "complete" if self.complete else "prefix" if self.prefix else self.stopped
        return f"Traversal({len(self.pages)} pages, {len(self.items)} items, {end})"

    @property
    def complete(self) -> bool:
        return not self.stopped and not self.prefix

    @property
    def cut_by_guard(self) -> bool:
        """Ended by the suite's own limits, not by anything the server did wrong."""
        return self.stop_kind is not None and self.stop_kind not in EVIDENCE_STOPS

    @property
    def items(self) -> Items:
        return self._items

    @cached_property
    def _items(self) -> Items:
        return Items(self.pages)

    @property
    def ids(self) -> list[str]:
        return [item_id(item) for item in self.items]

    @property
    def exchanges(self) -> Exchanges:
        return Exchanges(self.pages, self.failed_exchange)


class Items(Sequence[Item]):
    """A walk's items in order, read from its pages as they are asked for: a million of them
    are never all in memory at once."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self._pages = pages
        self._ends = tuple(accumulate(page.size for page in pages))  # one int per page

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[Item]:
        for page in self._pages:
            yield from page.items

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        place = _place(index, len(self), "no item at this place of the walk")
        page = bisect_right(self._ends, place)
        start = self._ends[page - 1] if page else 0
        return self._pages[page].items[place - start]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable like them


class Exchanges(Sequence[Exchange]):
    """A walk's exchanges in order, its pages' and then the one that ended it short (if any),
    each read as it is asked for (from disk, when kept there): a walk to the end of a large
    list has ten thousand, never all in memory at once."""

    def __init__(self, pages: Sequence[Page], failed: Exchange | None) -> None:
        self._pages = pages
        self._failed = failed

    def __len__(self) -> int:
        return len(self._pages) + (self._failed is not None)

    @overload
    def __getitem__(self, index: int) -> Exchange: ...

    @overload
    def __getitem__(self, index: slice) -> list[Exchange]: ...

    def __getitem__(self, index: int | slice) -> Exchange | list[Exchange]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        place = _place(index, len(self), "no exchange at this place of the walk")
        if place < len(self._pages):
            return self._pages[place].exchange
        assert self._failed is not None  # the one place past the pages
        return self._failed


def _place(index: int, length: int, missing: str) -> int:
    """Where `index` points in a sequence of `length` (from its end when negative)."""
    place = index + length if index < 0 else index
    if not 0 <= place < length:
        raise IndexError(missing)
    return place


def item_id(item: Item) -> str:
    """The item's id as text, whatever the server sent (a shape check reports bad types)."""
    return str(item.get("influencerId")) if isinstance(item, dict) else repr(item)


def read_page(exchange: Exchange, number: int, limit: int | None) -> Page | None:
    """The exchange as a page, or None when it is not a 200 JSON object with an items list.

    Its items keep only what comparisons read (`COMPARED`); the checks of every field read
    the body (`Exchange.json()`), so a run's memory does not hold each influencer whole.
    """
    body = exchange.json() if exchange.status == 200 else None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return None
    cursor = body.get("nextCursor")
    items = tuple(_compared(item) for item in body["items"])
    return Page(exchange, number, limit, items, cursor if isinstance(cursor, str) else None)


def _compared(item: object) -> Item:
    # An item as comparisons read it: the fields of `COMPARED` it has, as sent, or a value
    # that is no object as `_raw`.
    if not isinstance(item, dict):
        return {"_raw": item}
    return {key: item[key] for key in COMPARED if key in item}
