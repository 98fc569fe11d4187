"""Faults of ordering: what "newest first" gets wrong."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.reference.hooks import Fault, Json
from layers_conformance.reference.model import ListQuery, PageRequest

NEWEST = ("ORDER-NEWEST-001", "TRAV-PAGING-001")


@dataclass(frozen=True)
class OldestFirst(Fault):
    """Lists oldest first: the keyset query runs ascending."""

    name = "oldest_first"
    breaks = NEWEST
    # Every page is out of order wherever it is read: the query space's pages too.
    also = ("QUERY-VALIDATION-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, descending=False, tie_descending=False)


@dataclass(frozen=True)
class SortedByName(Fault):
    """Orders (and pages) by name instead of createdAt."""

    name = "sorted_by_name"
    breaks = NEWEST
    # Every page is out of order wherever it is read: the query space's pages too.
    also = ("QUERY-VALIDATION-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, sort_column="name")


@dataclass(frozen=True)
class SortedById(Fault):
    """Orders (and pages) by influencer id, as if ids were time-ordered."""

    name = "sorted_by_id"
    breaks = NEWEST
    # Every page is out of order wherever it is read: the query space's pages too.
    also = ("QUERY-VALIDATION-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, sort_column="influencer_id")


@dataclass(frozen=True)
class OrderWithinPageOnly(Fault):
    """Cuts pages in id order, then sorts each page newest first."""

    name = "order_within_page_only"
    breaks = ("ORDER-NEWEST-001", "TRAV-CONSISTENT-001")
    # Every walk is cut in id order, filtered ones too: pages after a cursor and filtered
    # walks are wrong by themselves.
    also = ("QUERY-VALIDATION-001", "STATUS-PARTITION-001", "TRAV-PAGING-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, sort_column="influencer_id")

    def page(self, body: Json, request: PageRequest) -> Json:
        items = sorted(body["items"], key=lambda item: str(item["createdAt"]), reverse=True)
        return {**body, "items": items}


ALL: tuple[Fault, ...] = (OldestFirst(), SortedByName(), SortedById(), OrderWithinPageOnly())
