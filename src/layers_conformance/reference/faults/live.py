"""Faults that only show on a list that changes while it is read (`--reference-live`).

On a still list each answers exactly as the reference does, so it passes there; the
catalogue test runs them against the live reference (`tests/test_live.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from layers_conformance.reference.cursor import Cursor, Position
from layers_conformance.reference.hooks import Fault, Json, PageSlice
from layers_conformance.reference.model import ListQuery, PageRequest


@dataclass(frozen=True)
class OffsetPagination(Fault):
    """A cursor holding a row offset: a walk repeats or skips one as the list changes ahead."""

    name = "offset_pagination"
    breaks: ClassVar[tuple[str, ...]] = ("TRAV-NODUP-001", "TRAV-PAGING-001")
    # Only when the writer archives one ahead between two pages of a walk does the walk skip
    # one (TRAV-CONSISTENT-001: live before and after it, not in it); two created ahead
    # also list one newer than the page before (ORDER-NEWEST-001). Not in every run: at
    # concurrency 8 which request the writer's count lands on varies (seen missed at rate 2).
    also: ClassVar[tuple[str, ...]] = ("TRAV-CONSISTENT-001", "ORDER-NEWEST-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        offset = 0 if request.after is None else int(request.after.key)
        return replace(query, after=None, offset=offset)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        if decided is None or decided.position is None:
            return decided
        offset = page.query.offset + len(page.shown)
        return replace(decided, position=Position(offset, decided.position.influencer_id))


@dataclass(frozen=True)
class StatusCachedForever(Fault):
    """Each item's first status shown is cached for good: a filter lists moved ones wrongly."""

    name = "status_cached_forever"
    breaks = ("STATUS-FILTER-001", "TRAV-PAGING-001")
    # What this instance has shown, for the life of the process: a run starts one server.
    shown: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def item(self, item: Json) -> Json:
        cached = self.shown.setdefault(item["influencerId"], item["status"])
        return {**item, "status": cached}


ALL: tuple[Fault, ...] = (OffsetPagination(), StatusCachedForever())
