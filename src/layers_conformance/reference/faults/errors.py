"""Faults of the error model: codes, statuses, envelope and content type."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import HTMLResponse, Response

from layers_conformance.reference.hooks import Fault, Json
from layers_conformance.reference.model import ApiError

REJECTIONS = (
    "LIMIT-RANGE-001",
    "LIMIT-INTEGER-001",
    "STATUS-REJECT-001",
    "CURSOR-INVALID-001",
    "QUERY-VALIDATION-001",
)


def _restatus(error: ApiError, code: str, status: int) -> ApiError:
    return ApiError(error.code, error.message, status) if error.code == code else error


# The requirements whose checks read an error's code, whatever they are about: a fault that
# spoils every error body is seen by all of them.
READ_AN_ERROR_CODE = (
    "AUTH-INVALID-001",
    "AUTH-MISSING-001",
    "AUTH-SCOPE-001",
    "CURSOR-INVALID-001",
    "CURSOR-TAMPER-001",
    "ERR-REQID-PREFIX-001",
    "LIMIT-INTEGER-001",
    "LIMIT-RANGE-001",
    "PROJ-FOREIGN-001",
    "PROJ-FOREIGN-CURSOR-001",
    "PROJ-MALFORMED-001",
    "PROJ-SCOPE-001",
    "PROJ-UNKNOWN-001",
    "QUERY-VALIDATION-001",
    "STATUS-REJECT-001",
)


@dataclass(frozen=True)
class ValidationWrongCode(Fault):
    """VALIDATION errors say `BAD_REQUEST`, a code the page does not document."""

    name = "validation_wrong_code"
    breaks = ("ERR-ENVELOPE-001",)
    # Every VALIDATION error carries another code: every check that expects one, whatever it
    # is about, sees it.
    also = (
        "CURSOR-INVALID-001",
        "CURSOR-TAMPER-001",
        "LIMIT-INTEGER-001",
        "LIMIT-RANGE-001",
        "PROJ-SCOPE-001",
        "QUERY-VALIDATION-001",
        "STATUS-REJECT-001",
    )

    def error(self, error: ApiError) -> ApiError:
        if error.code != "VALIDATION":
            return error
        return ApiError("BAD_REQUEST", error.message, error.status)


@dataclass(frozen=True)
class FlatErrorEnvelope(Fault):
    """Errors are `{"code", "message", "requestId"}` without the `error` wrapper."""

    name = "flat_error_envelope"
    breaks = ("ERR-ENVELOPE-001",)
    # No error carries the documented envelope: every check that reads an error's code,
    # whatever it is about, sees it.
    also = READ_AN_ERROR_CODE

    def error_body(self, body: Json) -> Json:
        flat: Json = body["error"]
        return flat


@dataclass(frozen=True)
class NoRequestId(Fault):
    """Errors carry no `requestId`."""

    name = "no_request_id"
    breaks = ("ERR-ENVELOPE-001",)
    # An error without a requestId has no req_ prefix either.
    also = ("ERR-REQID-PREFIX-001",)

    def error_body(self, body: Json) -> Json:
        error = {key: value for key, value in body["error"].items() if key != "requestId"}
        return {"error": error}


@dataclass(frozen=True)
class EmptyErrorMessage(Fault):
    """Errors carry an empty `message`."""

    name = "empty_error_message"
    breaks = ("ERR-ENVELOPE-001",)

    def error(self, error: ApiError) -> ApiError:
        return ApiError(error.code, "", error.status)


@dataclass(frozen=True)
class RequestIdWithoutPrefix(Fault):
    """requestId is bare hex, without `req_`."""

    name = "request_id_without_prefix"
    breaks = ("ERR-REQID-PREFIX-001",)

    def error_body(self, body: Json) -> Json:
        error = body["error"]
        return {"error": {**error, "requestId": str(error["requestId"]).removeprefix("req_")}}


@dataclass(frozen=True)
class UnauthenticatedAs403(Fault):
    """UNAUTHENTICATED travels with status 403."""

    name = "unauthenticated_as_403"
    breaks = ("ERR-STATUS-001",)

    def error(self, error: ApiError) -> ApiError:
        return _restatus(error, "UNAUTHENTICATED", 403)


@dataclass(frozen=True)
class ForbiddenScopeAs401(Fault):
    """FORBIDDEN_SCOPE travels with status 401."""

    name = "forbidden_scope_as_401"
    breaks = ("ERR-STATUS-001",)

    def error(self, error: ApiError) -> ApiError:
        return _restatus(error, "FORBIDDEN_SCOPE", 401)


@dataclass(frozen=True)
class NotFoundAs400(Fault):
    """NOT_FOUND travels with status 400 rather than the page's 404."""

    name = "not_found_as_400"
    breaks = ("PROJ-UNKNOWN-001", "PROJ-FOREIGN-001")
    # Every NOT_FOUND is a 400: the status check and another org's project with our cursor
    # see it.
    # A malformed project id's NOT_FOUND is a 400 too.
    also = ("ERR-STATUS-001", "PROJ-FOREIGN-CURSOR-001", "PROJ-MALFORMED-001")

    def error(self, error: ApiError) -> ApiError:
        return _restatus(error, "NOT_FOUND", 400)


@dataclass(frozen=True)
class ValidationAs500(Fault):
    """VALIDATION travels with status 500."""

    name = "validation_as_500"
    breaks = REJECTIONS
    # Every VALIDATION is a 500: every check that expects one, whatever it is about, sees it.
    also = ("CURSOR-TAMPER-001", "ERR-STATUS-001", "PROJ-SCOPE-001")

    def error(self, error: ApiError) -> ApiError:
        return _restatus(error, "VALIDATION", 500)


@dataclass(frozen=True)
class HtmlErrorPages(Fault):
    """Errors are the framework's HTML pages, not the JSON envelope."""

    name = "html_error_pages"
    breaks = ("SHAPE-CONTENT-TYPE-001", "ERR-ENVELOPE-001")
    # No error is JSON: every check that reads an error's code, whatever it is about, sees it.
    also = (*READ_AN_ERROR_CODE, "SHAPE-JSON-001")

    def respond(self, response: Response) -> Response:
        if response.status_code < 400:
            return response
        title = f"{response.status_code} Error"
        html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return HTMLResponse(html, status_code=response.status_code)


ALL: tuple[Fault, ...] = (
    ValidationWrongCode(),
    FlatErrorEnvelope(),
    NoRequestId(),
    EmptyErrorMessage(),
    RequestIdWithoutPrefix(),
    UnauthenticatedAs403(),
    ForbiddenScopeAs401(),
    NotFoundAs400(),
    ValidationAs500(),
    HtmlErrorPages(),
)
