"""Faults of cursor pagination: items lost or repeated where pages meet, ends misreported."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.reference.cursor import Cursor
from layers_conformance.reference.hooks import Fault, Json, PageSlice
from layers_conformance.reference.model import ListQuery, PageRequest


@dataclass(frozen=True)
class TieSkippedAtBoundary(Fault):
    """Keyset on createdAt alone (`<`): the rest of a tie group cut by a page edge is lost."""

    name = "tie_skipped_at_boundary"
    breaks = ("TRAV-CONSISTENT-001",)
    # Filtered walks skip ties at their page boundaries too: they are not the unfiltered walk
    # split by status; and a page after a cursor at a tie skips its rest for the query space.
    also = ("STATUS-PARTITION-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, boundary="key_only")


@dataclass(frozen=True)
class TieRepeatedAtBoundary(Fault):
    """Keyset on createdAt alone (`<=`): the next page restarts at its tie group's first item."""

    name = "tie_repeated_at_boundary"
    breaks = ("TRAV-NODUP-001", "TRAV-PAGING-001")
    # A page after a cursor restarts at its tie group, before the cursor's item: the query
    # space's cases with a cursor see it, and so do the tail walks made from such a cursor.
    also = ("QUERY-VALIDATION-001", "TRAV-CONSISTENT-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, boundary="key_inclusive")


@dataclass(frozen=True)
class PreviousLastRepeated(Fault):
    """The id comparison is `<=`: each page starts with the previous page's last item."""

    name = "previous_last_repeated"
    breaks = ("TRAV-NODUP-001", "TRAV-PAGING-001")
    # A page after a cursor lists the cursor's own item again: the query space's cases with a
    # cursor see it, and so do the tail walks.
    also = ("QUERY-VALIDATION-001", "TRAV-CONSISTENT-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, boundary="id_inclusive")


@dataclass(frozen=True)
class LookaheadItemDropped(Fault):
    """The cursor is taken from the look-ahead row, so one item is lost per page."""

    name = "lookahead_item_dropped"
    breaks = ("TRAV-CONSISTENT-001",)
    # Filtered walks lose an item a page too, and so does every page after a cursor the query
    # space asks for.
    also = ("STATUS-PARTITION-001", "QUERY-VALIDATION-001")

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        return decided and page.cursor_at(page.rows[-1])


@dataclass(frozen=True)
class CursorFromFirstItem(Fault):
    """The cursor is taken from the page's first item, so later pages overlap."""

    name = "cursor_from_first_item"
    breaks = ("TRAV-NODUP-001",)
    # Each page restarts after the previous page's first item: a walk goes back up in
    # createdAt, and every page after a cursor is misplaced, the tail walks' too.
    also = ("ORDER-NEWEST-001", "QUERY-VALIDATION-001", "TRAV-PAGING-001", "TRAV-CONSISTENT-001")

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        return decided and page.cursor_at(page.shown[0])


@dataclass(frozen=True)
class NextCursorNullAfterFirstPage(Fault):
    """Pages after the first always say `nextCursor: null`, ending traversals early."""

    name = "next_cursor_null_after_first_page"
    breaks = ("TRAV-CONSISTENT-001",)
    # Filtered walks end early too, and a page after a cursor says null while items remain.
    also = ("QUERY-VALIDATION-001", "STATUS-PARTITION-001")

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        return decided if page.request.page == 1 else None


@dataclass(frozen=True)
class EmptyPageCarriesCursor(Fault):
    """An empty page still hands out a cursor, to the same empty page."""

    name = "empty_page_carries_cursor"
    breaks = ("ARCH-EMPTY-001",)
    # The query space's empty pages carry a cursor too.
    also = ("QUERY-VALIDATION-001",)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        request = page.request
        stay = Cursor(request.project_id, request.status, request.after, request.page)
        return decided if page.shown else stay


@dataclass(frozen=True)
class EmptyStringCursorAtEnd(Fault):
    """The last page says `nextCursor: ""` instead of null."""

    name = "empty_string_cursor_at_end"
    breaks = ("SHAPE-PAGE-001", "PAGE-END-001")
    # Every last page says "": the empty project's, the query space's and the paging
    # machine's.
    also = ("ARCH-EMPTY-001", "QUERY-VALIDATION-001", "TRAV-PAGING-001")

    def page(self, body: Json, request: PageRequest) -> Json:
        return {**body, "nextCursor": body["nextCursor"] or ""}


ALL: tuple[Fault, ...] = (
    TieSkippedAtBoundary(),
    TieRepeatedAtBoundary(),
    PreviousLastRepeated(),
    LookaheadItemDropped(),
    CursorFromFirstItem(),
    NextCursorNullAfterFirstPage(),
    EmptyPageCarriesCursor(),
    EmptyStringCursorAtEnd(),
)
