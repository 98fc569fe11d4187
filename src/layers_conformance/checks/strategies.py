"""Hypothesis strategies over the documented parameter space, and a machine that pages.

Both are pure of I/O: the machine asks for pages through an injected `fetch`, so it can be
driven by a live probe in the suites or by recorded pages in the self-tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis.strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from layers_conformance.checks import params, shapes
from layers_conformance.checks.queries import KnownCursor, Params, Query, pages_so_far
from layers_conformance.checks.violations import expect
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, read_page

PLAIN_TEXT = st.text(alphabet="abcdefxyzABC-_.,;:!~", min_size=1, max_size=6)
LIMITS = st.integers(params.MIN_LIMIT, params.MAX_LIMIT)
FILTERS = st.none() | st.sampled_from(params.STATUSES)
# fetch(params) -> the exchange answering one request for the project under test.
Fetch = Callable[[Params], Exchange]


def queries(cursors: dict[str | None, list[KnownCursor]]) -> st.SearchStrategy[Query]:
    """Queries whose every parameter is absent, valid or plainly invalid."""
    limits = st.one_of(
        st.none(),
        LIMITS.map(str),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(params.LIMITS_OUT_OF_RANGE + params.LIMITS_NOT_INTEGER),
        PLAIN_TEXT,
    )
    statuses = st.one_of(
        st.none(),
        st.sampled_from(params.STATUSES),
        st.sampled_from(params.STATUSES_INVALID),
        PLAIN_TEXT.filter(lambda s: s not in params.STATUSES),
    )
    return st.builds(Query, limits, statuses).flatmap(lambda q: _with_cursor(q, cursors))


def _with_cursor(
    query: Query, cursors: dict[str | None, list[KnownCursor]]
) -> st.SearchStrategy[Query]:
    # A cursor travels only with the filter and the limit it was made under: changing either
    # between pages is a case the page does not settle. An invalid limit stays invalid.
    status_key = query.status if query.status in params.STATUSES else None
    real = cursors.get(status_key, [])
    options: list[st.SearchStrategy[Any]] = [st.none(), st.sampled_from(params.GARBAGE_CURSORS)]
    if real:
        options.append(st.sampled_from(real))
    return st.one_of(options).map(lambda c: Query(_limit_with(query.limit, c), query.status, c))


def _limit_with(limit: str | None, cursor: KnownCursor | str | None) -> str | None:
    if not isinstance(cursor, KnownCursor) or (
        limit is not None and not params.limit_is_valid(limit)
    ):
        return limit
    return str(cursor.limit) if cursor.limit is not None else None


@contextmanager
def seed_alone_decides() -> Iterator[None]:
    """Within the block, what Hypothesis generates depends on the seed (and the answers) alone.

    Hypothesis also draws constants found in the source of whichever non-installed modules
    happen to be imported at the time. A run against the embedded reference imports other
    modules than its replay under `layers-conformance verify`, or than a run from another
    folder, so the same seed would generate other requests. This empties that pool; the
    hook is private to Hypothesis, so `tests/test_strategies.py` checks that it still works.
    """
    from hypothesis.internal.conjecture import providers

    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # a Hypothesis without local constants: nothing to neutralise
        yield
        return
    providers.CONSTANTS_CACHE.cache.clear()  # it holds constants drawn from the pool
    setattr(providers, "_get_local_constants", _no_constants)  # noqa: B010
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        providers.CONSTANTS_CACHE.cache.clear()


def _no_constants() -> Any:
    from hypothesis.internal.constants_ast import Constants

    return Constants()


class PagingMachine(RuleBasedStateMachine):
    """Walks pages by cursor, starting over at will, checking each page against all before it."""

    def __init__(self, fetch: Fetch) -> None:
        super().__init__()
        self.fetch = fetch
        self.pages: list[Page] = []
        self.query = Query()

    @initialize(limit=LIMITS, status=FILTERS)
    def first_page(self, limit: int, status: str | None) -> None:
        self.pages, self.query = [], Query(str(limit), status)
        self._take(self.query.params())

    @rule(limit=LIMITS, status=FILTERS)
    def start_again(self, limit: int, status: str | None) -> None:
        self.first_page(limit, status)

    @precondition(lambda self: bool(self.pages) and self.pages[-1].next_cursor is not None)
    @rule()
    def next_page(self) -> None:
        cursor = self.pages[-1].next_cursor or ""
        self._take((*self.query.params(), ("cursor", cursor)))

    def _take(self, query: Params) -> None:
        answer = self.fetch(query)
        page = read_page(answer, len(self.pages) + 1, int(self.query.limit or 0) or None)
        if page is None:
            expect(shapes.answers_page(answer))
            return
        self.pages.append(page)
        expect(pages_so_far(self.pages, self.query.status))
