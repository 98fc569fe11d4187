"""The fault interface: hooks into the reference app, each the identity unless overridden."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from layers_conformance.reference.cursor import Cursor, Position
from layers_conformance.reference.model import ApiError, ListQuery, PageRequest, Rules
from layers_conformance.reference.store import Row

Json = dict[str, Any]
T = TypeVar("T")


def with_rules(**changes: Any) -> Mapping[str, Any]:
    """Rule changes for `Fault.knobs` (read-only, so a class may hold it)."""
    return MappingProxyType(changes)


@dataclass(frozen=True)
class PageSlice:
    """The rows the store returned for one page, with the query and request behind them."""

    query: ListQuery
    request: PageRequest
    rows: list[Row]

    @property
    def shown(self) -> list[Row]:
        """The rows the page shows; any beyond the limit are look-ahead."""
        return self.rows[: self.query.limit]

    def position_of(self, row: Row) -> Position:
        """Where a page that ends on `row` leaves off, in the query's order."""
        return Position(getattr(row, self.query.sort_column), row.influencer_id)

    def cursor_at(self, row: Row) -> Cursor:
        """The cursor of the page that follows `row`."""
        request = self.request
        position = self.position_of(row)
        return Cursor(request.project_id, request.status, position, request.page + 1, request.limit)


@dataclass(frozen=True)
class Fault:
    """A deviation from the documented behaviour (or, with no `breaks`, a conformant variant)."""

    name: ClassVar[str] = ""
    breaks: ClassVar[tuple[str, ...]] = ()
    # What its answers break beyond its point, which a run may report but need not: an
    # answer that is not JSON fails every check that reads one. Never a right page blamed.
    also: ClassVar[tuple[str, ...]] = ()
    knobs: ClassVar[Mapping[str, Any]] = with_rules()

    def adjust(self, rules: Rules) -> Rules:
        """The rules the app runs with."""
        return replace(rules, **self.knobs)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        """The store query for a validated request."""
        return query

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        """The cursor the page hands out (None: the last page)."""
        return decided

    def item(self, item: Json) -> Json:
        """One list item as sent."""
        return item

    def page(self, body: Json, request: PageRequest) -> Json:
        """A 200 body as sent."""
        return body

    def error(self, error: ApiError) -> ApiError:
        """The error answered for a rejected request."""
        return error

    def error_body(self, body: Json) -> Json:
        """An error body as sent."""
        return body

    def respond(self, response: Response) -> Response:
        """Any response, just before it is sent."""
        return response

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        """A response that replaces the page, or None to answer normally."""
        return None


@dataclass(frozen=True)
class Combined(Fault):
    """Several faults applied in order, each hook fed the previous one's result."""

    faults: tuple[Fault, ...] = ()

    def adjust(self, rules: Rules) -> Rules:
        return self._fold("adjust", rules)

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return self._fold("query", query, request)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        return self._fold("next_cursor", decided, page)

    def item(self, item: Json) -> Json:
        return self._fold("item", item)

    def page(self, body: Json, request: PageRequest) -> Json:
        return self._fold("page", body, request)

    def error(self, error: ApiError) -> ApiError:
        return self._fold("error", error)

    def error_body(self, body: Json) -> Json:
        return self._fold("error_body", body)

    def respond(self, response: Response) -> Response:
        return self._fold("respond", response)

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        for fault in self.faults:
            response = await fault.intercept(http, request)
            if response is not None:
                return response
        return None

    def _fold(self, hook: str, value: T, *context: object) -> T:
        for fault in self.faults:
            value = getattr(fault, hook)(value, *context)
        return value
