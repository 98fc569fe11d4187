"""Hypothesis strategies over the documented parameter space, and the oracle judging answers.

Values are either plainly valid or plainly invalid by the page's words; the spellings the
page leaves open (see `cases`) are never generated, so a verdict never rests on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from layers_conformance import cases, invariants, shapes
from layers_conformance.invariants import Violation
from layers_conformance.outcomes import expect
from layers_conformance.pages import Page, Traversal, read_page
from layers_conformance.probe import Probe

PLAIN_TEXT = st.text(alphabet="abcdefxyzABC-_.,;:!~", min_size=1, max_size=6)


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

    def params(self) -> tuple[tuple[str, str], ...]:
        cursor = self.cursor.cursor if isinstance(self.cursor, KnownCursor) else self.cursor
        named = (("limit", self.limit), ("status", self.status), ("cursor", cursor))
        return tuple((name, value) for name, value in named if value is not None)

    @property
    def valid(self) -> bool:
        return (
            (self.limit is None or cases.limit_is_valid(self.limit))
            and (self.status is None or cases.status_is_valid(self.status))
            and not isinstance(self.cursor, str)
        )


def known_cursors(probe: Probe) -> dict[str | None, list[KnownCursor]]:
    """Real cursors met by the probe's traversals, by the status filter they belong to."""
    walks: dict[str | None, Traversal] = {None: probe.traverse(min(probe.profile.page_sizes))}
    walks.update({status: probe.filtered(status) for status in cases.STATUSES})
    return {status: _cursors(walk, status) for status, walk in walks.items()}


def _cursors(walk: Traversal, status: str | None) -> list[KnownCursor]:
    return [
        KnownCursor(page.next_cursor, status, page.items[-1], page.limit)
        for page in walk.pages
        if page.next_cursor and page.items
    ]


def queries(cursors: dict[str | None, list[KnownCursor]]) -> st.SearchStrategy[Query]:
    """Queries whose every parameter is absent, valid or plainly invalid."""
    limits = st.one_of(
        st.none(),
        st.integers(cases.MIN_LIMIT, cases.MAX_LIMIT).map(str),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(cases.LIMITS_OUT_OF_RANGE + cases.LIMITS_NOT_INTEGER),
        PLAIN_TEXT,
    )
    statuses = st.one_of(
        st.none(),
        st.sampled_from(cases.STATUSES),
        st.sampled_from(cases.STATUSES_INVALID),
        PLAIN_TEXT.filter(lambda s: s not in cases.STATUSES),
    )
    return st.builds(
        lambda limit, status, data: Query(limit, status, data), limits, statuses, st.just(None)
    ).flatmap(lambda q: _with_cursor(q, cursors))


def _with_cursor(
    query: Query, cursors: dict[str | None, list[KnownCursor]]
) -> st.SearchStrategy[Query]:
    # A cursor travels only with the filter and the limit it was made under: changing either
    # between pages is a case the page does not settle. An invalid limit stays invalid.
    status_key = query.status if query.status in cases.STATUSES else None
    real = cursors.get(status_key, [])
    options: list[st.SearchStrategy[Any]] = [st.none(), st.sampled_from(cases.GARBAGE_CURSORS)]
    if real:
        options.append(st.sampled_from(real))
    return st.one_of(options).map(lambda c: Query(_limit_with(query.limit, c), query.status, c))


def _limit_with(limit: str | None, cursor: KnownCursor | str | None) -> str | None:
    if not isinstance(cursor, KnownCursor) or (
        limit is not None and not cases.limit_is_valid(limit)
    ):
        return limit
    return str(cursor.limit) if cursor.limit is not None else None


def judge_query(probe: Probe, query: Query) -> list[Violation]:
    """A valid query is answered by a page honouring it; an invalid one by VALIDATION."""
    answer = probe.get(query.params())
    if not query.valid:
        return shapes.expect_error(answer, {"VALIDATION"})
    page = read_page(answer, 1, int(query.limit) if query.limit else None)
    if page is None:
        return shapes.expect_page(answer)
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


def paging_machine(probe: Probe) -> Callable[[], RuleBasedStateMachine]:
    """A state machine that walks pages by cursor, checking each against all before it."""

    class Paging(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.pages: list[Page] = []
            self.query = Query()

        @initialize(
            limit=st.integers(cases.MIN_LIMIT, cases.MAX_LIMIT),
            status=st.none() | st.sampled_from(cases.STATUSES),
        )
        def first_page(self, limit: int, status: str | None) -> None:
            self.pages, self.query = [], Query(str(limit), status)
            self._take(self.query.params())

        @rule(
            limit=st.integers(cases.MIN_LIMIT, cases.MAX_LIMIT),
            status=st.none() | st.sampled_from(cases.STATUSES),
        )
        def start_again(self, limit: int, status: str | None) -> None:
            self.first_page(limit, status)

        @precondition(lambda self: bool(self.pages) and self.pages[-1].next_cursor is not None)
        @rule()
        def next_page(self) -> None:
            cursor = self.pages[-1].next_cursor or ""
            self._take((*self.query.params(), ("cursor", cursor)))

        def _take(self, params: tuple[tuple[str, str], ...]) -> None:
            answer = probe.get(params)
            page = read_page(answer, len(self.pages) + 1, int(self.query.limit or 0) or None)
            if page is None:
                expect(shapes.expect_page(answer))
                return
            self.pages.append(page)
            expect(self._violations())

        def _violations(self) -> list[Violation]:
            walked = Traversal(tuple(self.pages), prefix=True)
            violations = (
                invariants.pages_within_limit(walked)
                + invariants.sorted_newest_first(walked)
                + invariants.no_repeated_items(walked)
            )
            if self.query.status is not None:
                violations += invariants.all_have_status(walked, self.query.status)
            return violations

    return Paging
