"""The oracle for one generated request: which answers honour the query, which are VALIDATION.

Values are either plainly valid or plainly invalid by the page's words; the spellings the
page leaves open (see `params`) are never generated, so a verdict never rests on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layers_conformance.checks import invariants, params, shapes
from layers_conformance.checks.violations import Violation
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, Traversal, read_page

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class KnownCursor:
    """A real cursor, the filter it was made under, and the last item before it."""

    cursor: str
    status: str | None
    after: dict[str, Any]
    limit: int | None = None


@dataclass(frozen=True)
class Query:
    """One generated request: each parameter absent, valid or plainly invalid."""

    limit: str | None = None
    status: str | None = None
    cursor: KnownCursor | str | None = None

    def params(self) -> Params:
        cursor = self.cursor.cursor if isinstance(self.cursor, KnownCursor) else self.cursor
        named = (("limit", self.limit), ("status", self.status), ("cursor", cursor))
        return tuple((name, value) for name, value in named if value is not None)

    @property
    def valid(self) -> bool:
        return (
            (self.limit is None or params.limit_is_valid(self.limit))
            and (self.status is None or params.status_is_valid(self.status))
            and not isinstance(self.cursor, str)
        )


def known_cursors(
    walks: Mapping[str | None, Traversal],
) -> dict[str | None, list[KnownCursor]]:
    """Real cursors met by these walks, by the status filter each walk was made under."""
    return {status: _cursors(walk, status) for status, walk in walks.items()}


def _cursors(walk: Traversal, status: str | None) -> list[KnownCursor]:
    return [
        KnownCursor(page.next_cursor, status, page.items[-1], page.limit)
        for page in walk.pages
        if page.next_cursor and page.items
    ]


def judge_answer(query: Query, answer: Exchange) -> list[Violation]:
    """A valid query is answered by a page honouring it; an invalid one by VALIDATION."""
    if not query.valid:
        return shapes.answers_error(answer, {"VALIDATION"})
    page = read_page(answer, 1, int(query.limit) if query.limit else None)
    if page is None:
        return shapes.answers_page(answer)
    return honours(page, query)


def honours(page: Page, query: Query) -> list[Violation]:
    """The page keeps the query's limit, filter and cursor position, newest first."""
    walked = Traversal((page,), prefix=True)
    violations = invariants.pages_within_limit(walked) + invariants.sorted_newest_first(walked)
    if query.status is not None:
        violations += invariants.all_have_status(walked, query.status)
    if isinstance(query.cursor, KnownCursor):
        violations += _after_cursor(page, query.cursor)
    return violations


def _after_cursor(page: Page, known: KnownCursor) -> list[Violation]:
    anchor = Page(page.exchange, 0, None, (known.after,), known.cursor)
    both = Traversal((anchor, page), prefix=True)
    return invariants.sorted_newest_first(both) + invariants.no_repeated_items(both)


def pages_so_far(pages: list[Page], status: str | None) -> list[Violation]:
    """Pages met by following cursors stay within limit, newest first, disjoint, filtered."""
    walked = Traversal(tuple(pages), prefix=True)
    violations = (
        invariants.pages_within_limit(walked)
        + invariants.sorted_newest_first(walked)
        + invariants.no_repeated_items(walked)
    )
    if status is not None:
        violations += invariants.all_have_status(walked, status)
    return violations
