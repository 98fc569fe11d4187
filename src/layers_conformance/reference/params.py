"""Reading the query string: limit, status and cursor, checked against the rules."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from layers_conformance.reference.cursor import Cursor, CursorCodec, CursorError
from layers_conformance.reference.model import ApiError, Crash, PageRequest, Rules


def parse_query(
    params: QueryParams, project_id: str, rules: Rules, codec: CursorCodec
) -> PageRequest:
    """The validated request, or VALIDATION naming the first parameter at fault."""
    _check_known(params, rules)
    limit = read_limit(_value(params, "limit", rules), rules)
    status = read_status(_value(params, "status", rules), rules)
    cursor = read_cursor(_value(params, "cursor", rules), rules, codec)
    if cursor is not None:
        project_id = _listed_project(cursor, project_id, rules)
        status, limit = _read_under(cursor, status, limit, rules)
    return PageRequest(
        project_id=project_id,
        limit=limit,
        status=status,
        after=None if cursor is None else cursor.position,
        page=1 if cursor is None else cursor.page,
        archived_flag=params.get("includeArchived", "").lower() == "true",
    )


def _value(params: QueryParams, name: str, rules: Rules) -> str | None:
    """The one value of a parameter (None: absent), as the rules read an empty or repeated one."""
    values = params.getlist(name)
    if len(values) > 1 and rules.repeated == "reject":
        raise ApiError("VALIDATION", f"{name} is given {len(values)} times")
    value = values[-1] if values else None
    return None if value == "" and rules.empty_is_absent else value


def read_limit(raw: str | None, rules: Rules) -> int:
    """The page size: the default when absent, else an integer within the bounds."""
    if raw is None:
        return rules.default_limit
    try:
        limit = rules.read_limit(raw)
    except ValueError:
        raise ApiError("VALIDATION", f"limit={raw!r} must be an integer from 1 to 100") from None
    return _bounded(limit, rules)


def _bounded(limit: int, rules: Rules) -> int:
    if limit < rules.min_limit and rules.clamp_low:
        return rules.min_limit
    if limit > rules.max_limit and rules.clamp_high:
        return rules.max_limit
    if not rules.min_limit <= limit <= rules.max_limit:
        bounds = f"{rules.min_limit} to {rules.max_limit}"
        raise ApiError("VALIDATION", f"limit={limit} must be from {bounds}")
    return limit


def read_status(raw: str | None, rules: Rules) -> str | None:
    """The status filter, one of the five values (None when absent)."""
    if raw is None:
        return None
    status = rules.read_status(raw)
    if status not in rules.statuses and rules.unknown_status == "reject":
        allowed = ", ".join(sorted(rules.statuses))
        raise ApiError("VALIDATION", f"status={raw!r} must be one of: {allowed}")
    return status


def read_cursor(raw: str | None, rules: Rules, codec: CursorCodec) -> Cursor | None:
    """The decoded cursor (None when absent), answered per `rules.bad_cursor` when invalid."""
    if raw is None:
        return None
    try:
        return codec.decode(raw)
    except CursorError:
        if rules.bad_cursor == "restart":
            return None
        if rules.bad_cursor == "crash":
            raise Crash("cursor could not be decoded") from None
        raise ApiError("VALIDATION", "cursor is not a cursor this server issued") from None


def _listed_project(cursor: Cursor, project_id: str, rules: Rules) -> str:
    if cursor.project_id == project_id:
        return project_id
    if rules.cursor_project == "followed":
        return cursor.project_id
    raise ApiError("VALIDATION", "cursor belongs to another project")


def _read_under(
    cursor: Cursor, status: str | None, limit: int, rules: Rules
) -> tuple[str | None, int]:
    """The filter and page size of the page after `cursor`, as the rules read a cursor."""
    if rules.cursor_reading == "carried":
        return cursor.status, limit if cursor.limit is None else cursor.limit
    if rules.cursor_reading == "bound" and cursor.status != status:
        raise ApiError("VALIDATION", "cursor was made under another status filter")
    return status, limit


def peek_project(params: QueryParams, codec: CursorCodec) -> str | None:
    """The project a cursor in the query names, if it decodes."""
    try:
        return codec.decode(params["cursor"]).project_id
    except (KeyError, CursorError):
        return None


def _check_known(params: QueryParams, rules: Rules) -> None:
    unknown = sorted(set(params.keys()) - rules.known_params) if rules.known_params else []
    if unknown:
        raise ApiError("VALIDATION", f"unknown query parameter {unknown[0]!r}")
