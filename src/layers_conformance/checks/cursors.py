"""Cursors for the points of the query space: real ones the target handed out, and spoiled ones.

A real cursor cannot be made, only asked for. The book keeps every cursor the walks met, by
the status filter and limit it was made under, and asks the target for a first page
(through an injected `first_page`, so this module stays free of I/O) when a point needs a
cursor no walk met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from layers_conformance.checks import params
from layers_conformance.checks.space import (
    VALID_LIMITS,
    Case,
    Issued,
    Point,
    limit_class,
    status_class,
)
from layers_conformance.core.pages import Page, Traversal

# first_page(status, limit) -> the main project's first page under them, None if not a page.
FirstPage = Callable[[str | None, int | None], Page | None]
Made = tuple[str | None, int | None]  # the status filter and limit (None: absent) of a cursor
FILTERS: tuple[str | None, ...] = (None, *params.STATUSES)


@dataclass
class CursorBook:
    """Real cursors of the main project, by the status filter and limit they were made under."""

    first_page: FirstPage
    issued: dict[Made, list[Issued]] = field(default_factory=dict)

    def learn(self, status: str | None, limit: int | None, walk: Traversal) -> None:
        """Keep the cursors a walk met (its pages' own `nextCursor`s)."""
        self.issued.setdefault((status, limit), []).extend(_issued(walk.pages, status, limit))

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

    def under(self, status: str | None, limit: int | None) -> list[Issued]:
        """Cursors made under this filter and limit; if none is known, the first page's."""
        if not self.issued.get((status, limit)):
            page = self.first_page(status, limit)
            self.issued[(status, limit)] = _issued([page] if page else [], status, limit)
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
        found = [issued for key in made for issued in self.under(*key)]
        return found[pick % len(found)] if found else None

    def _known(self) -> list[Made]:
        return [key for key, issued in self.issued.items() if issued]


def _issued(pages: Iterable[Page], status: str | None, limit: int | None) -> list[Issued]:
    return [
        Issued(page.next_cursor, status, limit, page.items[-1])
        for page in pages
        if page.next_cursor and page.items
    ]


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
