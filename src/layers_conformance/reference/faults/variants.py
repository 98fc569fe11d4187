"""Conformant variants: servers that differ only where the page leaves room."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from layers_conformance.reference.cursor import Cursor, TokenCodec
from layers_conformance.reference.faults.live import OffsetPagination
from layers_conformance.reference.hooks import Fault, Json, PageSlice, with_rules
from layers_conformance.reference.model import ApiError, ListQuery, PageRequest, strict_limit

CHECKED_PARAMS = frozenset(("cursor", "limit", "status"))


def _with_offset(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class TiesAscendingById(Fault):
    """Influencers sharing a createdAt are listed by ascending id."""

    name = "ties_ascending_by_id"

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, tie_descending=False)


@dataclass(frozen=True)
class ServerSideCursorTokens(Fault):
    """Cursors are random tokens looked up in a server-side table."""

    name = "server_side_cursor_tokens"
    knobs = with_rules(codec=TokenCodec)


@dataclass(frozen=True)
class TrailingEmptyPage(Fault):
    """No look-ahead: a full last page carries a cursor to an empty, final page."""

    name = "trailing_empty_page"

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, fetch=query.limit)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        full = page.shown and len(page.shown) == page.query.limit
        return page.cursor_at(page.shown[-1]) if full else None


@dataclass(frozen=True)
class Validation422(Fault):
    """VALIDATION travels with status 422."""

    name = "validation_422"

    def error(self, error: ApiError) -> ApiError:
        return ApiError(error.code, error.message, 422) if error.code == "VALIDATION" else error


@dataclass(frozen=True)
class ValidationBeforeProject(Fault):
    """ListQuery parameters are checked before the project is looked up."""

    name = "validation_before_project"
    knobs = with_rules(query_first=True)


@dataclass(frozen=True)
class MalformedProjectValidation(Fault):
    """A project id that is not a uuid is answered VALIDATION."""

    name = "malformed_project_validation"
    knobs = with_rules(malformed_project="validation")


@dataclass(frozen=True)
class FractionalSecondsOffset(Fault):
    """createdAt has milliseconds and a numeric offset: `2026-04-01T14:22:10.000+00:00`."""

    name = "fractional_seconds_offset"
    knobs = with_rules(format_time=_with_offset)


@dataclass(frozen=True)
class UnknownParamsRejected(Fault):
    """ListQuery parameters other than cursor, limit and status are answered VALIDATION."""

    name = "unknown_params_rejected"
    knobs = with_rules(known_params=CHECKED_PARAMS)


@dataclass(frozen=True)
class ExtraPageMember(Fault):
    """Pages carry `"object": "list"` beside items and nextCursor."""

    name = "extra_page_member"

    def page(self, body: Json, request: PageRequest) -> Json:
        return {"object": "list", **body}


@dataclass(frozen=True)
class CursorIsAPosition(Fault):
    """A cursor is a place in the listing: the query's status filter and limit apply after it."""

    name = "cursor_is_a_position"
    knobs = with_rules(cursor_reading="position")


@dataclass(frozen=True)
class CursorIsAnOffset(OffsetPagination):
    """A cursor counts the rows before it (LIMIT/OFFSET), under whatever filter comes with it."""

    # Right on a still list; on a list in use it is the live fault offset_pagination.
    name = "cursor_is_an_offset"
    breaks = ()
    also = ()
    knobs = with_rules(cursor_reading="position")


@dataclass(frozen=True)
class CursorCarriesItsQuery(Fault):
    """After a cursor, the status filter and limit it was made under apply, whatever is sent."""

    name = "cursor_carries_its_query"
    knobs = with_rules(cursor_reading="carried")


def _as_uuid(written: str) -> str:
    try:
        return str(uuid.UUID(written))
    except ValueError:
        return written


def _go_atoi(raw: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise ValueError(raw)
    return int(raw)


def _blank_trimmed_limit(raw: str) -> int:
    return strict_limit(raw.strip(" \t"))


def _blank_trimmed_status(raw: str) -> str:
    return raw.strip(" \t")


@dataclass(frozen=True)
class ProjectIdReadAsUuid(Fault):
    """A project id is read as a uuid (any case, braces, a URN, no hyphens) before all else."""

    name = "project_id_read_as_uuid"
    knobs = with_rules(read_project=_as_uuid)


@dataclass(frozen=True)
class LimitReadByAtoi(Fault):
    """The limit is read as ASCII digits with an optional sign: `007` and `+7` are 7."""

    name = "limit_read_by_atoi"
    knobs = with_rules(read_limit=_go_atoi)


@dataclass(frozen=True)
class BlanksTrimmed(Fault):
    """Spaces and tabs around a limit or a status are trimmed before it is read."""

    name = "blanks_trimmed"
    knobs = with_rules(read_limit=_blank_trimmed_limit, read_status=_blank_trimmed_status)


@dataclass(frozen=True)
class EmptyValuesAbsent(Fault):
    """`limit=`, `status=` and `cursor=` are read as if the parameter were absent."""

    name = "empty_values_absent"
    knobs = with_rules(empty_is_absent=True)


@dataclass(frozen=True)
class RepeatedParameterLastWins(Fault):
    """A repeated limit, status or cursor is read as its last value."""

    name = "repeated_parameter_last_wins"
    knobs = with_rules(repeated="last")


def _escapes_refused(raw: str) -> QueryParams:
    for name, _, value in (part.partition("=") for part in raw.split("&")):
        if "%" in name or (name in ("limit", "status") and "%" in value):
            raise ApiError("VALIDATION", f"{name}={value} is not written as the page writes it")
    return QueryParams(raw)


def _bare_names_dropped(raw: str) -> QueryParams:
    return QueryParams("&".join(part for part in raw.split("&") if "=" in part))


def _bearer_as_written(value: str) -> str | None:
    key = value.removeprefix("Bearer ")
    return key if key != value and not key.startswith(" ") else None


def _one_key_header(values: list[str]) -> str | None:
    return values[0] if len(values) == 1 else None


@dataclass(frozen=True)
class KeyHeadersStrict(Fault):
    """Only `Bearer <key>` as written is read, and one key header: other spellings are 401."""

    name = "key_headers_strict"
    knobs = with_rules(read_authorization=_bearer_as_written, read_api_key=_one_key_header)


@dataclass(frozen=True)
class EscapesRefused(Fault):
    """A name, or a limit or status value, percent-encoded on the wire is VALIDATION."""

    name = "escapes_refused"
    knobs = with_rules(read_query=_escapes_refused)


@dataclass(frozen=True)
class BareNamesAbsent(Fault):
    """A bare name (`?limit`) is read as absent; `limit=` stays VALIDATION."""

    name = "bare_names_absent"
    knobs = with_rules(read_query=_bare_names_dropped)


NEAR_MISSES: tuple[Fault, ...] = (
    ProjectIdReadAsUuid(),
    LimitReadByAtoi(),
    BlanksTrimmed(),
    EmptyValuesAbsent(),
    RepeatedParameterLastWins(),
    EscapesRefused(),
    BareNamesAbsent(),
    KeyHeadersStrict(),
)


ALL: tuple[Fault, ...] = (
    TiesAscendingById(),
    ServerSideCursorTokens(),
    TrailingEmptyPage(),
    Validation422(),
    ValidationBeforeProject(),
    MalformedProjectValidation(),
    FractionalSecondsOffset(),
    UnknownParamsRejected(),
    ExtraPageMember(),
    CursorIsAPosition(),
    CursorCarriesItsQuery(),
    CursorIsAnOffset(),
    *NEAR_MISSES,
)
