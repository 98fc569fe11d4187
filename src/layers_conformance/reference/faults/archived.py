"""Faults of soft deletion: archived influencers that leak into listings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.reference.hooks import Fault
from layers_conformance.reference.model import ListQuery, PageRequest


def _shown_if(query: ListQuery, leak: bool) -> ListQuery:
    return replace(query, archived="show") if leak else query


@dataclass(frozen=True)
class ArchivedLeakUnfiltered(Fault):
    """The `archived = 0` clause sits in the status branch: unfiltered listings leak."""

    name = "archived_leak_unfiltered"
    breaks = ("ARCH-EXCLUDED-001", "STATUS-PARTITION-001")
    # The empty project lists its archived influencers, and the query space's unfiltered
    # pages list the main project's.
    also = ("ARCH-EMPTY-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return _shown_if(query, request.status is None)


@dataclass(frozen=True)
class ArchivedLeakWithStatus(Fault):
    """The filtered query forgets `archived = 0`: filtered listings leak."""

    name = "archived_leak_with_status"
    breaks = ("ARCH-EXCLUDED-001", "STATUS-PARTITION-001")
    # The query space's filtered pages list archived influencers.
    also = ("QUERY-VALIDATION-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return _shown_if(query, request.status is not None)


@dataclass(frozen=True)
class ArchivedLeakAfterFirstPage(Fault):
    """The cursor query forgets `archived = 0`: pages after the first leak."""

    name = "archived_leak_after_first_page"
    breaks = ("ARCH-EXCLUDED-001", "TRAV-CONSISTENT-001")
    # Pages after a cursor list archived influencers, filtered ones too: the query space's
    # cases with a cursor and the filtered walks see them.
    also = ("QUERY-VALIDATION-001", "STATUS-PARTITION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return _shown_if(query, request.after is not None)


@dataclass(frozen=True)
class IncludeArchivedFlagHonoured(Fault):
    """`includeArchived=true` lists archived influencers, though the page says no such flag."""

    name = "include_archived_flag_honoured"
    breaks = ("ARCH-NOFLAG-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return _shown_if(query, request.archived_flag)


ALL: tuple[Fault, ...] = (
    ArchivedLeakUnfiltered(),
    ArchivedLeakWithStatus(),
    ArchivedLeakAfterFirstPage(),
    IncludeArchivedFlagHonoured(),
)
