"""Faults of combinations: every parameter is fine alone, two together are not."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.reference.hooks import Fault, with_rules
from layers_conformance.reference.model import ListQuery, PageRequest

# The filtered listing's own page-size cap, and the limits served one item short.
FILTERED_CAP = 25
SHORT_LIMITS = range(51, 100)
STATUS_KEPT_UP_TO = 10


@dataclass(frozen=True)
class StatusLostAfterCursorAboveLimit10(Fault):
    """After a cursor, pages of more than 10 items drop the status filter."""

    name = "status_lost_after_cursor_above_limit_10"
    breaks = ("QUERY-VALIDATION-001", "TRAV-PAGING-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        dropped = request.after is not None and query.limit > STATUS_KEPT_UP_TO
        return replace(query, status=None) if dropped else query


@dataclass(frozen=True)
class StatusFilterCapsLimitAt25(Fault):
    """With a status filter, a limit above 25 is served as 25."""

    name = "status_filter_caps_limit_at_25"
    breaks = ("LIMIT-SIZE-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        if query.status is None or query.limit <= FILTERED_CAP:
            return query
        return replace(query, limit=FILTERED_CAP, fetch=FILTERED_CAP + 1)


@dataclass(frozen=True)
class LargeLimitsOneShort(Fault):
    """A limit from 51 to 99 gives pages one item short (an off-by-one in the large-page path)."""

    name = "large_limits_one_short"
    breaks = ("LIMIT-SIZE-001",)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        if query.limit not in SHORT_LIMITS:
            return query
        return replace(query, limit=query.limit - 1, fetch=query.limit)


@dataclass(frozen=True)
class SiblingCursorListsItsProject(Fault):
    """A cursor of another project of the same org lists that project under the path's URL."""

    name = "sibling_cursor_lists_its_project"
    breaks = ("PROJ-SCOPE-001",)
    knobs = with_rules(cursor_project="followed")


@dataclass(frozen=True)
class ForeignCursorFollowedWithStatus(Fault):
    """With a status filter, the cursor's project replaces the path's: ours under a foreign URL."""

    name = "foreign_cursor_followed_with_status"
    breaks = ("PROJ-FOREIGN-CURSOR-001",)
    knobs = with_rules(project_from_cursor="foreign_with_status")


@dataclass(frozen=True)
class ScopeUncheckedWithCursor(Fault):
    """A request with a cursor skips the scope check: a key without influencers:write pages on."""

    name = "scope_unchecked_with_cursor"
    breaks = ("AUTH-SCOPE-001",)
    knobs = with_rules(cursor_skips="scope")


@dataclass(frozen=True)
class CursorWithoutKeyServed(Fault):
    """A request with a cursor and no key is served: the cursor is taken for an earlier login."""

    name = "cursor_without_key_served"
    breaks = ("AUTH-MISSING-001",)
    knobs = with_rules(cursor_skips="key")


@dataclass(frozen=True)
class EmptyProjectSkipsValidation(Fault):
    """A project with no live influencers answers its empty page before reading the query."""

    name = "empty_project_skips_validation"
    breaks = ("QUERY-VALIDATION-001",)
    knobs = with_rules(validate_empty_project=False)


ALL: tuple[Fault, ...] = (
    StatusLostAfterCursorAboveLimit10(),
    StatusFilterCapsLimitAt25(),
    LargeLimitsOneShort(),
    SiblingCursorListsItsProject(),
    ForeignCursorFollowedWithStatus(),
    ScopeUncheckedWithCursor(),
    CursorWithoutKeyServed(),
    EmptyProjectSkipsValidation(),
)
