"""Faults of the raw query string: hand-written parsers that misread a bare name (`?limit`)
or a name or value percent-encoded on the wire (`%6cimit=7`, `limit=%37`).

Each class has several instances, each shown by another near miss (a bare limit, a bare
status, any bare name; an encoded name in either hex case, an encoded value), so that no
single special case of the suite catches them all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from layers_conformance.reference.hooks import Fault, Json, with_rules
from layers_conformance.reference.model import PageRequest, strict_limit

FLAG_DEFAULT_LIMIT = "20"  # what a framework's "flag given without a value" default reads as


def _parts(raw: str) -> list[str]:
    return [part for part in raw.split("&") if part]


def _split_unpacked(raw: str) -> QueryParams:
    # `name, value = part.split("=", 1)`: a part without `=` does not unpack (ValueError).
    pairs = []
    for part in _parts(raw):
        name, value = part.split("=", 1)
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return QueryParams(pairs)


def _bare_limit_is_a_flag(raw: str) -> QueryParams:
    # A name without `=` is a flag, empty; a bare `limit` takes the flag default.
    pairs = []
    for name, equals, value in (part.partition("=") for part in _parts(raw)):
        flag = FLAG_DEFAULT_LIMIT if name == "limit" and not equals else value
        pairs.append((unquote_plus(name), unquote_plus(flag)))
    return QueryParams(pairs)


def _names_as_written(raw: str) -> QueryParams:
    # Values are decoded, names compared as they came.
    pairs = [part.partition("=") for part in _parts(raw)]
    return QueryParams([(name, unquote_plus(value)) for name, _, value in pairs])


def _upper_hex_only(text: str) -> str:
    return re.sub("%([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), text.replace("+", " "))


def _decodes_upper_hex_only(raw: str) -> QueryParams:
    # A hand-written decoder that knows `%4A` but not `%4a`.
    pairs = [part.partition("=") for part in _parts(raw)]
    return QueryParams([(_upper_hex_only(n), _upper_hex_only(v)) for n, _, v in pairs])


def _raw_value(http: Request, name: str) -> str | None:
    for part in _parts(http.scope["query_string"].decode("latin-1")):
        found, equals, value = part.partition("=")
        if unquote(found) == name:
            return value if equals else None
    return None


_EMPTY_PAGE: Json = {"items": [], "nextCursor": None}


@dataclass(frozen=True)
class BareNameCrashes(Fault):
    """Each `name=value` part is unpacked from one split on `=`: a bare name (`?limit`) is 500."""

    name = "bare_name_crashes"
    breaks = ("LIMIT-INTEGER-001", "STATUS-REJECT-001", "CURSOR-INVALID-001")
    knobs = with_rules(read_query=_split_unpacked)


@dataclass(frozen=True)
class BareLimitIsAFlag(Fault):
    """A bare `limit` is read as a flag with its default, 20: a page no reading allows."""

    name = "bare_limit_is_a_flag"
    breaks = ("LIMIT-INTEGER-001",)
    # A page answers the bare name where the strict reading is VALIDATION.
    also = ("QUERY-STRICT-001",)
    knobs = with_rules(read_query=_bare_limit_is_a_flag)


@dataclass(frozen=True)
class BareStatusFiltersNull(Fault):
    """A bare `status` passes as no filter, then filters on `status IS NULL`: an empty page."""

    name = "bare_status_filters_null"
    breaks = ("STATUS-REJECT-001",)
    # Empty values and bare names pass as absent: the strict reading is a SHOULD.
    also = ("QUERY-STRICT-001",)
    knobs = with_rules(empty_is_absent=True)

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        parts = _parts(http.scope["query_string"].decode("latin-1"))
        return JSONResponse(_EMPTY_PAGE) if "status" in parts else None


@dataclass(frozen=True)
class NamesNotDecoded(Fault):
    """Names are compared as written: `%6Cimit=7` is an unknown parameter, the default page."""

    name = "names_not_decoded"
    breaks = ("LIMIT-INTEGER-001", "STATUS-REJECT-001")
    knobs = with_rules(read_query=_names_as_written)


@dataclass(frozen=True)
class LowerHexNotDecoded(Fault):
    """Only upper-case escapes are decoded: `%6cimit=7` is an unknown parameter, `%6C` is not."""

    name = "lower_hex_not_decoded"
    breaks = ("LIMIT-INTEGER-001",)
    knobs = with_rules(read_query=_decodes_upper_hex_only)


@dataclass(frozen=True)
class EncodedLimit500(Fault):
    """The limit is validated decoded, then cast again as it came: `limit=%37` is 500."""

    name = "encoded_limit_500"
    breaks = ("LIMIT-INTEGER-001",)

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        raw = _raw_value(http, "limit")
        if raw is not None:
            strict_limit(raw)  # ValueError on `%37`: the handler's 500
        return None


@dataclass(frozen=True)
class StatusFilteredAsWritten(Fault):
    """The status is validated decoded, filtered as it came: `status=%72eady` lists nothing."""

    name = "status_filtered_as_written"
    breaks = ("STATUS-REJECT-001",)

    async def intercept(self, http: Request, request: PageRequest) -> Response | None:
        raw = _raw_value(http, "status")
        return JSONResponse(_EMPTY_PAGE) if raw is not None and raw != request.status else None


ALL: tuple[Fault, ...] = (
    BareNameCrashes(),
    BareLimitIsAFlag(),
    BareStatusFiltersNull(),
    NamesNotDecoded(),
    LowerHexNotDecoded(),
    EncodedLimit500(),
    StatusFilteredAsWritten(),
)
