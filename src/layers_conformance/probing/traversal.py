"""Walk a project's pages by following `nextCursor`, through an injected fetch.

The walk never hangs on a broken server: a repeated cursor ends it, so do empty pages in a
row, and so does its share of the run's budget (`max_pages`, from the plan). What it met is
returned as a `Traversal`; judging it is the invariants' job.
"""

from __future__ import annotations

from collections.abc import Callable

from layers_conformance.core.digests import DigestTable
from layers_conformance.core.exchange import Exchange, cursor_key
from layers_conformance.core.pages import Page, Pages, Traversal, read_page

# A server handing out fresh cursors to empty pages would otherwise spend the walk's share.
EMPTY_PAGES_IN_A_ROW = 3
# fetch(cursor) -> the exchange of one page request; cursor None asks for the first page.
Fetch = Callable[[str | None], Exchange]


def walk(
    fetch: Fetch,
    *,
    limit: int | None,
    max_pages: int,
    max_items: int | None = None,
    on_page: Callable[[Page], None] | None = None,
) -> Traversal:
    """Follow cursors until `nextCursor` is null or a guard trips; a walk that has used its
    `max_pages` or holds `max_items` stops on purpose, as a prefix."""
    pages = Pages()  # rows of numbers, not a page object each (a walk to a million's end)
    # Each cursor given so far, by its digest, to the page that gave it: the pages keep
    # their cursors on disk in a run, and a walk to a million's end has 10,000 of them.
    seen_cursors = DigestTable()
    cursor: str | None = None
    held = 0  # items so far, counted as they come: a walk to a million's end has 10,000 pages
    while True:
        exchange = fetch(cursor)
        number = len(pages) + 1
        if not exchange.answered:
            reason = f"no answer to page {number}: {exchange.describe()}"
            return Traversal(pages, reason, "no-answer", failed_exchange=exchange)
        page = read_page(exchange, number, limit)
        if page is None:
            reason = f"page {number} is not a page: {exchange.describe()}"
            return Traversal(pages, reason, "not-a-page", failed_exchange=exchange)
        pages.append(page)
        held += page.size
        if on_page is not None:
            on_page(page)
        cursor = page.next_cursor
        key = cursor_key(cursor) if cursor else None  # None or "" ends the walk below
        earlier = seen_cursors.get(key) if key is not None else None
        stop = _stop_reason(pages, held, cursor, earlier, max_pages, max_items)
        if stop is not None:
            return stop
        if key is not None and earlier is None:
            seen_cursors.put(key, len(pages) - 1)


def _stop_reason(
    pages: Pages,
    held: int,
    cursor: str | None,
    earlier: int | None,  # the page that gave a cursor of the same digest, if any
    max_pages: int,
    max_items: int | None,
) -> Traversal | None:
    if cursor is None:
        return Traversal(pages)
    if cursor == "":
        return Traversal(pages, f"page {len(pages)} has an empty nextCursor", "empty-cursor")
    if earlier is not None and pages[earlier].next_cursor == cursor:  # the text, to be sure
        return Traversal(pages, f"page {len(pages)} repeats an earlier nextCursor", "cycle")
    if len(pages) > EMPTY_PAGES_IN_A_ROW and not any(p.size for p in pages[-EMPTY_PAGES_IN_A_ROW:]):
        return Traversal(
            tuple(pages),
            f"the suite stopped the walk after {EMPTY_PAGES_IN_A_ROW} empty pages in a row "
            "that still carried a nextCursor",
            "empty-pages",
        )
    if len(pages) >= max_pages or (max_items is not None and held >= max_items):
        return Traversal(pages, prefix=True)
    return None
