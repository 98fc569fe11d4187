"""Recorded pages and traversals: the data every invariant is a function of."""

from __future__ import annotations

import json
import threading
import weakref
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
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

    Immutable. A page whose exchange is kept on disk (a run's, `core.exchange.Bodies`) is
    kept there too, in one record: where its exchange is, its cursor, its last item and its
    items, read back when asked (the cursor and the last item without the others: passes
    over a walk's cursors read only those). A thorough run on a large list reads a million
    influencers on twenty thousand pages: a dict of each item would hold hundreds of
    megabytes, and each page's exchange and cursor (~250 characters) another ten.
    """

    __slots__ = ("__weakref__", "_count", "_held", "limit", "number")

    number: int
    limit: int | None
    _held: _Parts | Stored  # the page's parts, or where their record is on disk
    _count: int

    def __init__(
        self,
        exchange: Exchange,
        number: int,
        limit: int | None,
        items: tuple[Item, ...],
        next_cursor: str | None,
    ) -> None:
        parts: _Parts = (hold(exchange), next_cursor, items)
        held: _Parts | Stored = parts
        kept = exchange.kept
        if kept is not None:
            record = [int(kept), next_cursor, items[-1] if items else None, items]
            held = kept.bodies.set_aside(json.dumps(record, separators=(",", ":")))
            _RECENT.put(held, parts)  # a walk asks for its cursor at once
        self._set(number, limit, held, len(items))
        if isinstance(held, Stored):
            _MADE.one(held, self)

    @classmethod
    def _of_record(cls, record: Stored, number: int, limit: int | None, size: int) -> Page:
        """The page whose record is on disk at `record` (as `Pages` holds it): the object
        made of it while anything holds that, so that `is` says the same of a page made
        again as of the page a walk met."""
        made = _MADE.get(record)
        if made is None:
            made = object.__new__(cls)
            made._set(number, limit, record, size)
            made = _MADE.one(record, made)
        return made

    def _set(self, number: int, limit: int | None, held: _Parts | Stored, size: int) -> None:
        for name, value in (
            ("number", number),
            ("limit", limit),
            ("_held", held),
            ("_count", size),
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

    def _head(self) -> _Head:
        held = self._held
        if isinstance(held, tuple):
            return held[0], held[1], held[2][-1] if held[2] else None
        return _RECENT.head(held)

    @property
    def exchange(self) -> Exchange:
        return held_exchange(self._head()[0])

    @property
    def next_cursor(self) -> str | None:
        return self._head()[1]

    @property
    def last_item(self) -> Item | None:
        """The item its cursor comes after (None when it has no item), read without the others."""
        return self._head()[2]

    def cursor_and_last_item(self) -> tuple[str | None, Item | None]:
        """`next_cursor` and `last_item`, read together."""
        _, cursor, last = self._head()
        return cursor, last

    @property
    def items(self) -> tuple[Item, ...]:
        held = self._held
        return held[2] if isinstance(held, tuple) else _RECENT.get(held)[2]

    @property
    def size(self) -> int:
        """How many items it holds (without reading them back)."""
        return self._count

    @property
    def ids(self) -> list[str]:
        return [item_id(item) for item in self.items]


_Parts = tuple[Held, str | None, tuple[Item, ...]]  # its exchange, its cursor, its items
_Head = tuple[Held, str | None, Item | None]  # its exchange, its cursor, its last item


class _RecentPages:
    """The parts of the last pages read back from disk, by where their record is. The same
    page is often asked for again soon (a walk's sightings, one by one; its cursor, then its
    items): a few pages stay parsed, never a whole walk's. Threads read pages at once."""

    def __init__(self, size: int = PAGES_READ_BACK) -> None:
        self._size = size
        self._parts: OrderedDict[Stored, _Parts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record: Stored) -> _Parts:
        with self._lock:
            found = self._parts.get(record)
            if found is not None:
                self._parts.move_to_end(record)
                return found
        answer, cursor, _, items = json.loads(record.read())
        parts: _Parts = (Stored.of(answer), cursor, tuple(items))
        self.put(record, parts)
        return parts

    def head(self, record: Stored) -> _Head:
        """Where the page's exchange is, its cursor and its last item, without parsing its
        items when they are not parsed already: a pass over a walk's cursors (the tails look
        for the page closest to an instant) would otherwise make and drop a hundred dicts a
        page, and keeping one of each would hold the memory of them all."""
        with self._lock:
            found = self._parts.get(record)
        if found is not None:
            return found[0], found[1], found[2][-1] if found[2] else None
        text = record.read()  # `[answer,cursor,last,[items]]`, as `Page` wrote it
        answer, end = _DECODER.raw_decode(text, 1)
        cursor, end = _DECODER.raw_decode(text, end + 1)
        last, _ = _DECODER.raw_decode(text, end + 1)
        return Stored.of(answer), cursor, last

    def put(self, record: Stored, parts: _Parts) -> None:
        with self._lock:
            self._parts[record] = parts
            self._parts.move_to_end(record)
            while len(self._parts) > self._size:
                self._parts.popitem(last=False)


_RECENT = _RecentPages()
_DECODER = json.JSONDecoder()


class _MadePages:
    """Each kept page alive, by where its record is: threads make pages at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alive: weakref.WeakValueDictionary[Stored, Page] = weakref.WeakValueDictionary()

    def get(self, record: Stored) -> Page | None:
        with self._lock:
            return self._alive.get(record)

    def one(self, record: Stored, page: Page) -> Page:
        """The page alive for `record`: `page`, unless another was made first."""
        with self._lock:
            return self._alive.setdefault(record, page)


_MADE = _MadePages()


class Pages(Sequence[Page]):
    """Pages in order. One kept on disk (a run's) is a row of numbers in arrays: where its
    record is, its number, its limit and its size, ~40 bytes and no object of its own; it is
    made again when asked. The walks of a large list read twenty thousand pages, and an
    object or two for each, made among the parses of their answers, held the memory of those
    parses too. A page held in memory (made by hand, or too small to keep) is held itself."""

    def __init__(self, pages: Iterable[Page] = ()) -> None:
        self._records = array("Q")  # two a row: the record's place, its low 64 bits first
        self._numbers = array("i")
        self._limits = array("i")  # _NO_LIMIT: None
        self._sizes = array("i")
        self._held: dict[int, Page] = {}  # the pages held in memory, by place
        self.extend(pages)

    def append(self, page: Page) -> None:
        record, limit = page._held, page.limit
        row = (page.number, _NO_LIMIT if limit is None else limit, page.size)
        fits = all(0 <= n <= _LARGEST for n in (page.number, limit or 0, page.size))
        if not isinstance(record, Stored) or not fits or record >> 128:
            self._held[len(self)] = page  # in memory, or a number no column holds: as it is
            record, row = Stored.of(0), (0, 0, 0)
        self._records.extend((record & _LOW, record >> 64))
        for column, number in zip((self._numbers, self._limits, self._sizes), row, strict=True):
            column.append(number)

    def extend(self, pages: Iterable[Page]) -> None:
        for page in pages:
            self.append(page)

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> Page: ...

    @overload
    def __getitem__(self, index: slice) -> Pages: ...

    def __getitem__(self, index: int | slice) -> Page | Pages:
        if isinstance(index, slice):
            return Pages(self[n] for n in range(*index.indices(len(self))))
        place = place_at(index, len(self), "no page at this place")
        held = self._held.get(place)
        if held is not None:
            return held
        low, high = self._records[2 * place], self._records[2 * place + 1]
        limit = self._limits[place]
        return Page._of_record(
            Stored.of(low | high << 64),
            self._numbers[place],
            None if limit == _NO_LIMIT else limit,
            self._sizes[place],
        )

    def __iter__(self) -> Iterator[Page]:
        return (self[n] for n in range(len(self)))

    def sizes(self) -> Iterator[int]:
        """Each page's size, without making the pages."""
        held = self._held
        return (held[n].size if n in held else size for n, size in enumerate(self._sizes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to tuples of pages, so unhashable

    def __repr__(self) -> str:
        return f"Pages({len(self)})"


_LOW = (1 << 64) - 1
_NO_LIMIT = -1
_LARGEST = (1 << 31) - 1  # in a column of a row


@dataclass(frozen=True, repr=False)
class Traversal:
    """The pages met by following `nextCursor` from the first page.

    `stopped` is empty when the last page said `nextCursor: null`; otherwise it says why
    the walk ended early, and `stop_kind` which guard ended it (see `StopKind`).
    `prefix` is true when the walk stopped on purpose: it had used its share of the run's
    budget (see `probing.plan`), or held as many items as it was planned to.
    """

    pages: Sequence[Page]  # held as `Pages`, whatever it is made with
    stopped: str = ""
    stop_kind: StopKind | None = None
    prefix: bool = False
    failed_exchange: Exchange | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.pages, Pages):
            object.__setattr__(self, "pages", Pages(self.pages))

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
        sizes = pages.sizes() if isinstance(pages, Pages) else (page.size for page in pages)
        self._ends = array("q", accumulate(sizes))  # 8 bytes a page

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
        place = place_at(index, len(self), "no item at this place of the walk")
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
        place = place_at(index, len(self), "no exchange at this place of the walk")
        if place < len(self._pages):
            return self._pages[place].exchange
        assert self._failed is not None  # the one place past the pages
        return self._failed


def place_at(index: int, length: int, missing: str) -> int:
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
