"""The reference server's vocabulary: errors, validated requests, store queries and rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.datastructures import QueryParams

from layers_conformance.reference.cursor import CursorCodec, Position, SignedCodec
from layers_conformance.reference.dataset import STATUSES, WRITE_SCOPE

SortColumn = Literal["created_at", "name", "influencer_id"]
Boundary = Literal["keyset", "key_only", "key_inclusive", "id_inclusive"]
ArchivedMode = Literal["hide", "show", "only"]
ProjectAnswer = Literal["not_found", "validation", "forbidden", "empty", "visible", "crash"]
CursorAnswer = Literal["reject", "restart", "crash"]
# When a cursor's project is taken instead of the path's: never, always, or for a path of
# another org's project when a status filter is sent.
ProjectFromCursor = Literal["never", "always", "foreign_with_status"]
# What a cursor decides of the page after it: "bound" (reject another status filter, the
# query's limit applies), "position" (the query's filter and limit apply from the cursor's
# place), "carried" (the filter and limit it was made under apply, whatever the query says).
CursorReading = Literal["bound", "position", "carried"]
# A check a request with a cursor skips: nothing, the scope, or a missing key altogether.
CursorSkips = Literal["nothing", "scope", "key"]
KeyMatch = Literal["exact", "case-blind", "prefix"]
STATUS_OF_CODE = {
    "VALIDATION": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN_SCOPE": 403,
    "NOT_FOUND": 404,
    "INTERNAL": 500,
}


class ApiError(Exception):
    """An error answer: its HTTP status, documented code and message."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = STATUS_OF_CODE[code] if status is None else status


class Crash(RuntimeError):
    """An unhandled failure, answered 500 the way a crashing handler is."""


@dataclass(frozen=True)
class PageRequest:
    """A request that passed validation: what the client asked for."""

    project_id: str
    limit: int
    status: str | None
    after: Position | None
    page: int
    archived_flag: bool


@dataclass(frozen=True)
class ListQuery:
    """What the store runs for one page."""

    project_id: str
    status: str | None
    after: Position | None
    limit: int
    fetch: int
    archived: ArchivedMode = "hide"
    sort_column: SortColumn = "created_at"
    descending: bool = True
    tie_descending: bool = True
    boundary: Boundary = "keyset"
    offset: int = 0  # rows skipped after the boundary (offset pagination, a fault)

    @classmethod
    def for_request(cls, request: PageRequest) -> ListQuery:
        """One look-ahead row beyond the limit tells whether a next page exists."""
        limit = request.limit
        return cls(request.project_id, request.status, request.after, limit, limit + 1)


def strict_limit(raw: str) -> int:
    """A limit spelled as ASCII decimal digits, without a leading zero."""
    if not re.fullmatch(r"0|[1-9][0-9]*", raw):
        raise ValueError(f"limit={raw!r} must be an integer")
    return int(raw)


def rfc3339(epoch: int) -> Any:
    """createdAt as the page shows it: UTC, second precision, a Z suffix."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bearer_key(value: str) -> str | None:
    """The key of `Authorization: Bearer <key>`: the scheme in any case (RFC 9110 11.1), one
    or more spaces after it (RFC 9110 11.4's `1*SP`); None for any other value."""
    scheme, _, key = value.partition(" ")
    return key.lstrip(" ") if scheme.lower() == "bearer" else None


def first_value(values: list[str]) -> str | None:
    """The first of a repeated header's values, as most frameworks read one."""
    return values[0] if values else None


def _never(key: str | None) -> bool:
    return False


def _as_written(project_id: str) -> str:
    return project_id


@dataclass(frozen=True)
class Rules:
    """Every knob of the server's behaviour; the defaults are the conformant reading."""

    schemes: tuple[str, ...] = ("x-api-key", "bearer")
    # The key of an Authorization value (None: no Bearer credential), and of the X-Api-Key
    # values (the header repeated: each of them); how a presented key meets the stored ones.
    read_authorization: Callable[[str], str | None] = bearer_key
    read_api_key: Callable[[list[str]], str | None] = first_value
    key_match: KeyMatch = "exact"
    trusted_key: Callable[[str | None], bool] = _never
    required_scope: str | None = WRITE_SCOPE
    malformed_project: ProjectAnswer = "not_found"
    unknown_project: ProjectAnswer = "not_found"
    foreign_project: ProjectAnswer = "not_found"
    # How the store reads the id in the path, and whether the org check compares the id as
    # written (a fault: it then misses a spelling the store reads as another org's project).
    read_project: Callable[[str], str] = _as_written
    org_check: Literal["as-read", "as-written", "not-for-bearer"] = "as-read"
    project_from_cursor: ProjectFromCursor = "never"
    cursor_project: Literal["checked", "followed"] = "checked"
    cursor_reading: CursorReading = "bound"
    cursor_skips: CursorSkips = "nothing"
    validate_empty_project: bool = True
    query_first: bool = False
    known_params: frozenset[str] | None = None
    # How the raw query string (as it came, percent-encoded) is read into names and values.
    read_query: Callable[[str], QueryParams] = QueryParams
    # An empty value of limit, status or cursor: rejected like any other, or read as absent.
    empty_is_absent: bool = False
    # A repeated limit, status or cursor: rejected, or its last value read.
    repeated: Literal["reject", "last"] = "reject"
    default_limit: int = 25
    min_limit: int = 1
    max_limit: int = 100
    clamp_low: bool = False
    clamp_high: bool = False
    read_limit: Callable[[str], int] = strict_limit
    statuses: frozenset[str] = frozenset(STATUSES)
    read_status: Callable[[str], str] = str
    unknown_status: Literal["reject", "filter"] = "reject"
    bad_cursor: CursorAnswer = "reject"
    codec: Callable[[bytes], CursorCodec] = SignedCodec
    format_time: Callable[[int], Any] = rfc3339
