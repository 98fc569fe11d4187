"""Hostile servers, for the suite's robustness: slow, hanging, looping, lying, vanishing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from layers_conformance.reference.cursor import Cursor
from layers_conformance.reference.hooks import Fault, PageSlice
from layers_conformance.reference.model import ListQuery, PageRequest


class AbortedResponse(Response):
    """Sends the status line and headers, then drops the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        raise ConnectionAbortedError("the reference dropped the connection on purpose")


@dataclass(frozen=True)
class CursorLoop(Fault):
    """Page `loop_page`'s nextCursor leads back to page 1."""

    name = "cursor_loop"
    breaks = ("TRAV-NODUP-001",)
    loop_page: int = 3

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        request = page.request
        if decided is None or request.page != self.loop_page:
            return decided
        return Cursor(request.project_id, request.status, None, 1)


@dataclass(frozen=True)
class NeverEndingCursor(Fault):
    """Every page hands out a nextCursor; past the end, empty pages repeat the cursor they got."""

    name = "never_ending_cursor"
    breaks = ("TRAV-NODUP-001",)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        request = page.request
        if decided is not None:
            return decided
        if page.shown:
            return page.cursor_at(page.shown[-1])
        return Cursor(request.project_id, request.status, request.after, request.page)


@dataclass(frozen=True)
class SlowPages(Fault):
    """Every page is answered after `delay_s` seconds."""

    name = "slow_pages"
    delay_s: float = 1.5

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        await asyncio.sleep(self.delay_s)
        return None


@dataclass(frozen=True)
class HangOnLaterPages(Fault):
    """A request with a cursor is never answered (for `hang_s` seconds)."""

    name = "hang_on_later_pages"
    hang_s: float = 3600.0

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        if request.after is not None:
            await asyncio.sleep(self.hang_s)
        return None


@dataclass(frozen=True)
class NonJsonBody(Fault):
    """Pages are answered 200 with an HTML body."""

    name = "non_json_body"
    breaks = ("SHAPE-CONTENT-TYPE-001", "SHAPE-PAGE-001")

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        return HTMLResponse("<html><body><h1>Influencers</h1></body></html>")


@dataclass(frozen=True)
class HugePages(Fault):
    """Pages hold `factor` times the limit asked for."""

    name = "huge_pages"
    breaks = ("LIMIT-MAX-001", "LIMIT-DEFAULT-001")
    factor: int = 20

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        limit = query.limit * self.factor
        return replace(query, limit=limit, fetch=limit + 1)


@dataclass(frozen=True)
class MidwayError(Fault):
    """Page `on_page` of every traversal is answered with `status` (a 5xx)."""

    name = "midway_503"
    status: int = 503
    on_page: int = 2

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        if request.page != self.on_page:
            return None
        error = {"code": "UNAVAILABLE", "message": "Try again later.", "requestId": "req_0"}
        return JSONResponse({"error": error}, status_code=self.status)


@dataclass(frozen=True)
class Midway500(MidwayError):
    """Page `on_page` of every traversal is answered 500."""

    name = "midway_500"
    status: int = 500


@dataclass(frozen=True)
class DropConnection(Fault):
    """Page `on_page` starts its response, then the connection is dropped."""

    name = "drop_connection"
    on_page: int = 2

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        return AbortedResponse() if request.page == self.on_page else None


@dataclass(frozen=True)
class RedirectElsewhere(Fault):
    """Every page is a 302 to the same path on another host (127.0.0.2)."""

    name = "redirect_elsewhere"
    host: str = "127.0.0.2"

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        elsewhere = http.url.replace(hostname=self.host)
        return RedirectResponse(str(elsewhere), status_code=302)


ALL: tuple[Fault, ...] = (
    CursorLoop(),
    NeverEndingCursor(),
    SlowPages(),
    HangOnLaterPages(),
    NonJsonBody(),
    HugePages(),
    MidwayError(),
    Midway500(),
    DropConnection(),
    RedirectElsewhere(),
)
