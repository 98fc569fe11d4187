"""The reference target: GET /v1/projects/:projectId/influencers as the catalogue reads it."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from layers_conformance.reference.cursor import Cursor
from layers_conformance.reference.dataset import ApiKey, Dataset
from layers_conformance.reference.hooks import Combined, Fault, Json, PageSlice
from layers_conformance.reference.live import LiveSettings, LiveWriter
from layers_conformance.reference.model import (
    ApiError,
    Crash,
    ListQuery,
    PageRequest,
    ProjectAnswer,
    Rules,
)
from layers_conformance.reference.params import parse_query, peek_project
from layers_conformance.reference.store import Row, Store

PATH = "/v1/projects/{project_id}/influencers"
UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def reference_app(
    dataset: Dataset, *faults: Fault, db_path: str = ":memory:", live: LiveSettings | None = None
) -> Starlette:
    """The app serving `dataset`, with `faults` applied in order (none: the clean reference);
    with `live`, a writer changes the main project's list as requests come (`app.state.live`)."""
    store = Store(dataset, db_path)
    writer = None if live is None else LiveWriter(dataset, store, live)
    endpoint = Endpoint(dataset, store, Combined(faults), writer)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(
        routes=[Route(PATH, endpoint.list_influencers, methods=["GET"])],
        exception_handlers={HTTPException: endpoint.no_route},
        lifespan=lifespan,
    )
    app.state.live = writer
    return app


class Endpoint:
    """The handler, its store, and the faults that bend it."""

    def __init__(
        self, dataset: Dataset, store: Store, fault: Fault, writer: LiveWriter | None = None
    ) -> None:
        self.store = store
        self.writer = writer
        self.fault = fault
        self.rules = fault.adjust(Rules())
        self.codec = self.rules.codec(dataset.secret)
        self.fallback_key = dataset.fixtures.key

    async def list_influencers(self, http: Request) -> Response:
        """GET /v1/projects/:projectId/influencers."""
        self._count_request()
        try:
            response = await self._answer(http)
        except ApiError as error:
            response = self.error_response(error)
        except Exception:  # what a crashing handler answers: a bare 500
            response = self.error_response(ApiError("INTERNAL", "Internal server error."))
        return self.fault.respond(response)

    async def no_route(self, http: Request, exc: Exception) -> Response:
        """Any other path or method: NOT_FOUND in the usual envelope."""
        self._count_request()
        return self.fault.respond(self.error_response(ApiError("NOT_FOUND", "Route not found.")))

    def _count_request(self) -> None:
        if self.writer is not None:
            self.writer.on_request()

    def error_response(self, error: ApiError) -> Response:
        """The error envelope, with a fresh request id."""
        error = self.fault.error(error)
        body = {"error": {"code": error.code, "message": error.message, "requestId": _req_id()}}
        return JSONResponse(self.fault.error_body(body), status_code=error.status)

    async def _answer(self, http: Request) -> Response:
        skips = self.rules.cursor_skips if "cursor" in self._params(http) else "nothing"
        key = self._authenticate(http.headers, trust_missing=skips == "key")
        if skips != "scope":
            self._authorise(key)
        request = self._validate(http, key)
        response = await self.fault.intercept(http, request)
        return response or JSONResponse(self._page(request))

    def _validate(self, http: Request, key: ApiKey) -> PageRequest:
        project_id = self._target_project(http, key)
        org_checked = self._org_checked(http)
        if self.rules.query_first:
            request = parse_query(self._params(http), project_id, self.rules, self.codec)
            self._check_project(project_id, key, org_checked)
            return request
        self._check_project(project_id, key, org_checked)
        if not self.rules.validate_empty_project and not self._has_live(project_id):
            return PageRequest(project_id, self.rules.default_limit, None, None, 1, False)
        return parse_query(self._params(http), project_id, self.rules, self.codec)

    def _params(self, http: Request) -> QueryParams:
        """The query's names and values, as the rules read the raw query string."""
        return self.rules.read_query(http.scope["query_string"].decode("latin-1"))

    def _has_live(self, project_id: str) -> bool:
        return bool(self.store.page(ListQuery(project_id, None, None, 1, 1)))

    def _authenticate(self, headers: Headers, *, trust_missing: bool = False) -> ApiKey:
        presented = _presented_key(headers, self.rules)
        record = self.store.api_key(presented, self.rules.key_match) if presented else None
        trusted = self.rules.trusted_key(presented) or (trust_missing and presented is None)
        if record is None and trusted:
            record = self.store.api_key(self.fallback_key)
        if record is None:
            adjective = "Missing" if presented is None else "Invalid"
            raise ApiError("UNAUTHENTICATED", f"{adjective} API key.")
        return record

    def _authorise(self, key: ApiKey) -> None:
        scope = self.rules.required_scope
        if scope is not None and scope not in key.scopes.split():
            raise ApiError("FORBIDDEN_SCOPE", f"Key lacks {scope}.")

    def _target_project(self, http: Request, key: ApiKey) -> str:
        path_id = self.rules.read_project(http.path_params["project_id"])
        taken = self.rules.project_from_cursor
        filtered = "status" in self._params(http)
        if taken == "always" or (taken == "foreign_with_status" and filtered):
            found = peek_project(self._params(http), self.codec)
            foreign = taken == "always" or self._of_another_org(path_id, key)
            return found if found and foreign else path_id
        return path_id

    def _of_another_org(self, project_id: str, key: ApiKey) -> bool:
        project = self.store.project(project_id)
        return project is not None and project.org_id != key.org_id

    def _org_checked(self, http: Request) -> bool:
        """Whether the project's org is compared with the key's (always, unless a fault)."""
        org_check = self.rules.org_check
        if org_check == "as-written":
            written: str = http.path_params["project_id"]
            return self.rules.read_project(written) == written
        if org_check == "not-for-bearer":
            return _presented_scheme(http.headers, self.rules) != "bearer"
        return True

    def _check_project(self, project_id: str, key: ApiKey, org_checked: bool = True) -> None:
        if not UUID.fullmatch(project_id):
            return _answer_project(self.rules.malformed_project)
        project = self.store.project(project_id)
        if project is None:
            return _answer_project(self.rules.unknown_project)
        if project.org_id != key.org_id and org_checked:
            return _answer_project(self.rules.foreign_project)
        return None

    def _page(self, request: PageRequest) -> Json:
        query = self.fault.query(ListQuery.for_request(request), request)
        page = PageSlice(query, request, self.store.page(query))
        cursor = self.fault.next_cursor(_conformant_cursor(page), page)
        body = {
            "items": [self.fault.item(self._item(row)) for row in page.shown],
            "nextCursor": None if cursor is None else self.codec.encode(cursor),
        }
        return self.fault.page(body, request)

    def _item(self, row: Row) -> Json:
        return {
            "influencerId": row.influencer_id,
            "name": row.name,
            "gender": row.gender,
            "ageRange": row.age_range,
            "status": row.status,
            "thumbnailUrl": row.thumbnail_url,
            "createdAt": self.rules.format_time(row.created_at),
        }


def _conformant_cursor(page: PageSlice) -> Cursor | None:
    has_more = len(page.rows) > page.query.limit
    return page.cursor_at(page.shown[-1]) if has_more and page.shown else None


def _presented_key(headers: Headers, rules: Rules) -> str | None:
    scheme = _presented_scheme(headers, rules)
    if scheme == "x-api-key":
        return rules.read_api_key(headers.getlist("x-api-key"))
    if scheme == "bearer":
        return rules.read_authorization(headers["authorization"])
    return None


def _presented_scheme(headers: Headers, rules: Rules) -> str | None:
    # X-Api-Key wins when both are sent: it is the header the page's examples use.
    if "x-api-key" in rules.schemes and "x-api-key" in headers:
        return "x-api-key"
    if "bearer" not in rules.schemes or "authorization" not in headers:
        return None
    return "bearer" if rules.read_authorization(headers["authorization"]) is not None else None


def _answer_project(answer: ProjectAnswer) -> None:
    if answer == "crash":
        raise Crash("projectId could not be cast to a uuid")
    if answer == "validation":
        raise ApiError("VALIDATION", "projectId must be a uuid.")
    if answer == "forbidden":
        raise ApiError("FORBIDDEN_SCOPE", "Key lacks access to this project.")
    if answer == "not_found":
        raise ApiError("NOT_FOUND", "Project not found.")


def _req_id() -> str:
    return f"req_{secrets.token_hex(8)}"
