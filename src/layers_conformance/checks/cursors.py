"""Cursors for the points of the query space: real ones the target handed out, and spoiled ones.

A real cursor cannot be made, only asked for. The book keeps every cursor the walks met, by
the status filter and limit it was made under, and asks the target for a first page
(through an injected `first_page`, so this module stays free of I/O) when a point needs a
cursor no walk met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from layers_conformance.checks import params
from layers_conformance.checks.space import (
    VALID_LIMITS,
    Case,
    Issued,
    Point,
    limit_class,
    status_class,
)
from layers_conformance.core.pages import Item, Page, Pages, Traversal

# first_page(status, limit) -> the main project's first page under them, None if not a page.
FirstPage = Callable[[str | None, int | None], Page | None]
Made = tuple[str | None, int | None]  # the status filter and limit (None: absent) of a cursor
FILTERS: tuple[str | None, ...] = (None, *params.STATUSES)


class Cursors:
    """The cursors pages handed out under one filter and limit, each made into an `Issued`
    when read. The book holds every cursor the walks met, one a page of thousands, and an
    object for each would stay as long as the run (issue 23); the pages stay anyway."""

    def __init__(self, status: str | None, limit: int | None) -> None:
        self.status, self.limit = status, limit
        self._pages = Pages()  # those with a `nextCursor` and an item it comes after

    def extend(self, pages: Iterable[Page]) -> None:
        self._pages.extend(page for page in pages if page.size and page.next_cursor)

    def __getitem__(self, index: int) -> Issued:
        return self._issued(self._pages[index])

    def __iter__(self) -> Iterator[Issued]:
        return map(self._issued, self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def _issued(self, page: Page) -> Issued:
        cursor, last = page.cursor_and_last_item()
        return Issued(cast(str, cursor), self.status, self.limit, cast(Item, last))


@dataclass
class CursorBook:
    """Real cursors of the main project, by the status filter and limit they were made under."""

    first_page: FirstPage
    issued: dict[Made, Cursors] = field(default_factory=dict)

    def learn(self, status: str | None, limit: int | None, walk: Traversal) -> None:
        """Keep the cursors a walk met (its pages' own `nextCursor`s)."""
        self.issued.setdefault((status, limit), Cursors(status, limit)).extend(walk.pages)

    def case(self, point: Point, pick: int) -> Case | None:
        """The point with its cursor (`pick` chooses among those that fit), or None when the
        target handed out no cursor the point can use."""
        if point.cursor == "none":
            return Case(point)
        if point.cursor == "garbage":
            return Case(point, _cycle(params.GARBAGE_CURSORS, pick))
        issued = self._for(point, pick)
        if issued is None:
            return None
        if point.cursor == "altered":
            return Case(point, _cycle(tuple(params.altered(issued.text)), pick), issued)
        if point.cursor == "truncated":
            return Case(point, params.truncated(issued.text), issued)
        return Case(point, issued.text, issued)

    def under(self, status: str | None, limit: int | None) -> Cursors:
        """Cursors made under this filter and limit; if none is known, the first page's."""
        if not self.issued.get((status, limit)):
            page = self.first_page(status, limit)
            self.issued[(status, limit)] = cursors = Cursors(status, limit)
            cursors.extend([page] if page else [])
        return self.issued[(status, limit)]

    def _for(self, point: Point, pick: int) -> Issued | None:
        status, limit = _as_sent(point)
        if point.cursor == "other-status":
            made = [(s, lim) for s, lim in self._known() if s != status] or [(_other(status), 1)]
        elif point.cursor == "other-limit":
            size = _size(limit) if limit_class(point.limit) in VALID_LIMITS else 0
            made = [(s, lim) for s, lim in self._known() if s == status and _size(lim) != size]
            made = made or [(status, 1 if size != 1 else 2)]
        elif point.cursor == "this-query":
            made = [(status, limit)]
        else:  # this query's cursor sent elsewhere or spoiled; where it has none, another's
            made = [(status, limit)] if _valid(point) and self.under(status, limit) else []
            made = made or [key for key in self._known() if key[0] == status] or self._known()
        # The `pick`th of them all, in this order, made alone: the others stay pages.
        found = [self.under(*key) for key in made]
        index = pick % (sum(map(len, found)) or 1)
        for cursors in found:
            if index < len(cursors):
                return cursors[index]
            index -= len(cursors)
        return None

    def _known(self) -> list[Made]:
        return [key for key, issued in self.issued.items() if issued]


def _as_sent(point: Point) -> Made:
    status = point.status if status_class(point.status) != "invalid" else None
    valid_limit = limit_class(point.limit) not in ("out-of-range", "not-integer")
    return status, int(point.limit) if point.limit is not None and valid_limit else None


def _valid(point: Point) -> bool:
    return limit_class(point.limit) in VALID_LIMITS and status_class(point.status) != "invalid"


def _size(limit: int | None) -> int:
    return limit if limit is not None else params.DEFAULT_LIMIT


def _other(status: str | None) -> str | None:
    return next(s for s in FILTERS if s != status)


def _cycle(values: Sequence[str], pick: int) -> str:
    return values[pick % len(values)]
