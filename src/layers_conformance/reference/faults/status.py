"""Faults of the `status` filter."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.reference.dataset import STATUSES
from layers_conformance.reference.hooks import Fault, with_rules
from layers_conformance.reference.model import ListQuery, PageRequest


@dataclass(frozen=True)
class StatusIgnored(Fault):
    """`status` is validated but never applied."""

    name = "status_ignored"
    breaks = ("STATUS-FILTER-001", "STATUS-PARTITION-001")
    # Every filtered page lists other statuses: the query space's and the paging machine's
    # too. In some runs (the order walks end in decides), a tail walk at a small page size
    # starts from a cursor a "filtered" walk handed out, and TRAV-CONSISTENT-001 sees it.
    also = ("QUERY-VALIDATION-001", "TRAV-PAGING-001", "TRAV-CONSISTENT-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, status=None)


@dataclass(frozen=True)
class StatusLostAfterCursor(Fault):
    """The filter is applied to the first page only."""

    name = "status_lost_after_cursor"
    breaks = ("STATUS-FILTER-001",)
    # Filtered walks, the paging machine's filtered pages and the query space's filtered
    # cases after a cursor all list other statuses.
    # A tail walk started from a filtered walk's cursor loses the filter too.
    also = (
        "QUERY-VALIDATION-001",
        "STATUS-PARTITION-001",
        "TRAV-PAGING-001",
        "TRAV-CONSISTENT-001",
    )

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return query if request.after is None else replace(query, status=None)


@dataclass(frozen=True)
class StatusFailedNeverMatches(Fault):
    """`status=failed` is compared with the legacy stored value `error`: always empty."""

    name = "status_failed_never_matches"
    breaks = ("STATUS-PARTITION-001",)
    # The first page under status=failed holds none of the failed influencers the unfiltered
    # walk lists, nor do the query space's pages under it.
    also = ("LIMIT-SIZE-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, status="error") if query.status == "failed" else query


@dataclass(frozen=True)
class StatusCaseInsensitive(Fault):
    """`status=READY` is accepted as `ready`."""

    name = "status_case_insensitive"
    breaks = ("STATUS-REJECT-001",)
    # The query space's cases with a status in another case get a page too.
    also = ("QUERY-VALIDATION-001",)
    knobs = with_rules(read_status=str.lower)


@dataclass(frozen=True)
class UnknownStatusEmptyPage(Fault):
    """An unknown status filters to nothing instead of being rejected."""

    name = "unknown_status_empty_page"
    breaks = ("STATUS-REJECT-001",)
    # The query space's cases with a status outside the five get the empty page too, and so do
    # the near misses of a status (the SHOULD that they be refused).
    also = ("QUERY-VALIDATION-001", "QUERY-STRICT-001")
    knobs = with_rules(unknown_status="filter")


@dataclass(frozen=True)
class StatusArchivedListsArchived(Fault):
    """`status=archived` is accepted and lists the archived influencers."""

    name = "status_archived_lists_archived"
    breaks = ("STATUS-REJECT-001",)
    # The query space's cases with status=archived get the archived influencers too.
    also = ("QUERY-VALIDATION-001",)
    knobs = with_rules(statuses=frozenset((*STATUSES, "archived")))

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        if query.status != "archived":
            return query
        return replace(query, status=None, archived="only")


ALL: tuple[Fault, ...] = (
    StatusIgnored(),
    StatusLostAfterCursor(),
    StatusFailedNeverMatches(),
    StatusCaseInsensitive(),
    UnknownStatusEmptyPage(),
    StatusArchivedListsArchived(),
)
