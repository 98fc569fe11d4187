"""Shape checks of single answers against the spec's schemas and the error model."""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from layers_conformance.checks import field_diff
from layers_conformance.checks.violations import Violation, unreadable
from layers_conformance.core import strict_json
from layers_conformance.core.catalogue import load_schema
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.results import FieldRow

SCHEMA_FILES = ("item.json", "page.json", "error.json")
NULLABLE_BY_AMBIGUITY = ("gender", "ageRange", "thumbnailUrl")
FIELD_KEYWORDS = frozenset({"required", "additionalProperties"})
ERROR_CODES = ("UNAUTHENTICATED", "FORBIDDEN_SCOPE", "NOT_FOUND", "VALIDATION")


@cache
def validator(name: str) -> Draft202012Validator:
    """A format-checking Draft 2020-12 validator for one schema, its `$ref`s resolved."""
    registry: Registry[Any] = Registry().with_resources(
        (file, Resource.from_contents(load_schema(file))) for file in SCHEMA_FILES
    )
    return Draft202012Validator(
        load_schema(name),
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def page_shape(exchange: Exchange) -> list[Violation]:
    """The body is a page: an object with an `items` array and a string-or-null `nextCursor`."""
    if exchange.error is not None:
        return [unreadable("page_shape", "expected a page", exchange)]
    body = exchange.json()
    if not isinstance(body, dict):
        what = exchange.json_error or f"it is {type(body).__name__}"
        return [Violation("page_shape", f"the body is not a JSON object: {what}", exchange)]
    return _schema_violations("page_shape", exchange, lambda error: not _in_item(error))


def is_json(exchange: Exchange) -> list[Violation]:
    """The body is JSON as RFC 8259 defines it between systems: UTF-8, no NaN or Infinity,
    nested no deeper than a parser may refuse (64 levels here)."""
    if exchange.error is not None:
        return [unreadable("is_json", "expected a JSON body", exchange)]
    if exchange.json_error is None:
        return []
    return [Violation("is_json", f"the body is not JSON: {exchange.json_error}", exchange)]


def item_fields(exchange: Exchange) -> list[Violation]:
    """Every item has exactly the seven documented fields."""
    return _schema_violations(
        "item_fields", exchange, lambda e: _in_item(e) and e.validator in FIELD_KEYWORDS
    )


def item_types(exchange: Exchange) -> list[Violation]:
    """Every documented field of every item has its type and format."""
    return _schema_violations(
        "item_types", exchange, lambda e: _in_item(e) and e.validator not in FIELD_KEYWORDS
    )


def items_not_null(exchange: Exchange) -> list[Violation]:
    """The fields the page shows as strings are not null (SHOULD: null is accepted as MUST)."""
    return [
        Violation(
            "item_not_null",
            f"items[{index}].{field} is null",
            exchange,
            field_diff=_item_rows(item, index, {("items", index, field)}),
        )
        for index, item in _items(exchange)
        for field in NULLABLE_BY_AMBIGUITY
        if field in item and item[field] is None
    ]


def ids_prefixed(exchange: Exchange) -> list[Violation]:
    """Every influencerId starts with `inf_`, as in the page's example."""
    return [
        Violation(
            "id_prefix",
            f"items[{index}].influencerId {item.get('influencerId')!r} does not start with 'inf_'",
            exchange,
        )
        for index, item in _items(exchange)
        if not str(item.get("influencerId", "")).startswith("inf_")
    ]


def json_content_type(exchange: Exchange) -> list[Violation]:
    """The answer is declared as JSON (`application/json` or a `+json` type)."""
    if exchange.status is None:
        return [unreadable("json_content_type", "expected a JSON content type", exchange)]
    media = exchange.content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return []
    return [Violation("json_content_type", f"content type is {media or 'missing'!r}", exchange)]


def error_envelope(exchange: Exchange) -> list[Violation]:
    """An error body is `{"error": {"code", "message", "requestId"}}` with a documented code."""
    if exchange.error is not None:
        return [unreadable("error_envelope", "expected an error body", exchange)]
    if exchange.json_error is not None:
        return [
            Violation(
                "error_envelope",
                f"the error body is not JSON: {exchange.json_error}",
                exchange,
                field_diff=(_not_json(exchange, "an error envelope"),),
            )
        ]
    return _schema_violations("error_envelope", exchange, lambda _: True, schema="error.json")


def request_id_prefixed(exchange: Exchange) -> list[Violation]:
    """The error's requestId starts with `req_`, as in the page's example."""
    if exchange.error is not None:
        return [unreadable("request_id_prefixed", "expected a requestId", exchange)]
    request_id = error_field(exchange, "requestId")
    if isinstance(request_id, str) and request_id.startswith("req_"):
        return []
    return [Violation("request_id_prefixed", f"requestId is {request_id!r}", exchange)]


def answers_error(
    exchange: Exchange, codes: Collection[str], statuses: Collection[int] | None = None
) -> list[Violation]:
    """The answer is an error with one of `codes`, and a status in `statuses` (any 4xx if None)."""
    status = exchange.status
    wanted = " or ".join(sorted(codes))
    expected_status = "/".join(map(str, sorted(statuses))) if statuses else "4xx"
    if status is None:
        return [
            unreadable("expected_error", f"expected {wanted} (HTTP {expected_status})", exchange)
        ]
    status_holds = status in statuses if statuses else 400 <= status < 500
    if status_holds and exchange.error is not None:  # the status is evidence, the body is not
        return [unreadable("expected_error", f"expected code {wanted}", exchange)]
    code = error_field(exchange, "code")
    if status_holds and code in codes:
        return []
    message = (
        f"expected {wanted} with HTTP {expected_status}, got {_got(exchange)}"
        if not status_holds
        else f"expected code {wanted}, got {code!r} (HTTP {status})"
    )
    rows = _error_rows(
        exchange, codes, field_diff.status_row(status, expected_status, status_holds)
    )
    return [Violation("expected_error", message, exchange, field_diff=rows)]


def answers_page(exchange: Exchange) -> list[Violation]:
    """The answer is a 200 page."""
    if exchange.status is None or (exchange.status == 200 and exchange.error is not None):
        return [unreadable("expected_page", "expected a page (HTTP 200)", exchange)]
    if exchange.status != 200:
        rows = (
            field_diff.status_row(exchange.status, "200", False),
            *_body_rows(exchange, "page.json", set()),
        )
        return [
            Violation(
                "expected_page",
                f"expected a page (HTTP 200), got {_got(exchange)}",
                exchange,
                field_diff=rows,
            )
        ]
    return page_shape(exchange)


def conventional_status(exchange: Exchange) -> list[Violation]:
    """A documented error code travels with its conventional HTTP status."""
    code = str(error_field(exchange, "code"))
    expected = {
        "UNAUTHENTICATED": {401},
        "FORBIDDEN_SCOPE": {403},
        "NOT_FOUND": {404},
        "VALIDATION": {400, 422},
    }.get(code)
    if expected is None or exchange.status in expected:
        return []
    wanted = "/".join(map(str, sorted(expected)))
    status = field_diff.status_row(exchange.status, wanted, False)
    return [
        Violation(
            "conventional_status",
            f"{code} came with HTTP {exchange.status}, expected {wanted}",
            exchange,
            field_diff=_error_rows(exchange, {code}, status),
        )
    ]


def error_field(exchange: Exchange, name: str) -> object:
    """`error.<name>` of the body, or None when the body has no such member."""
    body = exchange.json()
    error = body.get("error") if isinstance(body, dict) else None
    return error.get(name) if isinstance(error, dict) else None


def _schema_violations(
    rule: str,
    exchange: Exchange,
    keep: Callable[[ValidationError], bool],
    schema: str = "page.json",
) -> list[Violation]:
    readable = exchange.encoding_error is None
    errors = [e for e in _schema_errors(schema, exchange.body_text, readable) if keep(e)]
    differs = field_diff.differing(errors)
    return [
        Violation(
            rule,
            f"{_where(error)}: {error.message}",
            exchange,
            field_diff=_rows_at_fault(exchange, error, schema, differs),
        )
        for error in errors
    ]


def _rows_at_fault(
    exchange: Exchange, error: ValidationError, schema: str, differs: set[field_diff.Path]
) -> tuple[FieldRow, ...]:
    # An item's error is shown on that item; any other on the whole body.
    if _in_item(error):
        index = int(error.absolute_path[1])
        return _item_rows(exchange.json()["items"][index], index, differs)
    return _body_rows(exchange, schema, differs)


def _item_rows(item: object, index: int, differs: set[field_diff.Path]) -> tuple[FieldRow, ...]:
    schema = load_schema("item.json")
    return tuple(field_diff.object_rows(item, schema, differs, ("items", index)))


def _body_rows(
    exchange: Exchange, schema: str, differs: set[field_diff.Path]
) -> tuple[FieldRow, ...]:
    body = exchange.json()
    if not isinstance(body, dict):
        return (_not_json(exchange, "a JSON object"),)
    return tuple(field_diff.object_rows(body, load_schema(schema), differs))


def _error_rows(
    exchange: Exchange, codes: Collection[str], status: FieldRow
) -> tuple[FieldRow, ...]:
    # The envelope against the error schema, its code narrowed to the codes wanted here
    # (on a copy: load_schema's schemas are shared by every check).
    schema = copy.deepcopy(load_schema("error.json"))
    schema["properties"]["error"]["properties"]["code"] = {"enum": sorted(codes)}
    body = exchange.json()
    if not isinstance(body, dict):
        return (status, _not_json(exchange, "an error envelope"))
    differs = field_diff.differing(Draft202012Validator(schema).iter_errors(body))
    return (status, *field_diff.object_rows(body, schema, differs))


def _not_json(exchange: Exchange, wanted: str) -> FieldRow:
    return FieldRow("body", wanted, exchange.error or _start(exchange), True)


# Several checks read the same page's errors (the page, its items' fields, their types):
# validating a page of 100 items once instead of three times is most of a large run's cost.
# Keyed by a digest of the text, parsed as `Exchange.json()` parses it (strict, nesting
# bounded): what is kept is what was found, never the pages (a run samples thousands).
ERRORS_KEPT = 16_384  # more than the pages any profile samples
_errors: dict[tuple[str, bytes, bool], tuple[ValidationError, ...]] = {}
_errors_lock = threading.Lock()


def _schema_errors(schema: str, body_text: str, readable: bool) -> tuple[ValidationError, ...]:
    text = body_text.encode("utf-8", "surrogatepass")
    key = (schema, hashlib.blake2b(text, digest_size=16).digest(), readable)
    with _errors_lock:
        found = _errors.get(key)
    if found is None:
        body = strict_json.parse(body_text)[0] if readable else None
        found = tuple(validator(schema).iter_errors(body))
        with _errors_lock:
            while len(_errors) >= ERRORS_KEPT:
                del _errors[next(iter(_errors))]  # the oldest first
            _errors[key] = found
    return found


def _in_item(error: ValidationError) -> bool:
    path = list(error.absolute_path)
    return len(path) >= 2 and path[0] == "items"


def _where(error: ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"body{path}"


def _items(exchange: Exchange) -> Iterable[tuple[int, dict[str, Any]]]:
    body = exchange.json()
    items = body.get("items") if isinstance(body, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield index, item


def _got(exchange: Exchange) -> str:
    """What an answer with a status was (the status is evidence even when the body is cut)."""
    if exchange.error is not None:
        return f"HTTP {exchange.status}, {exchange.error}"
    code = error_field(exchange, "code")
    return f"HTTP {exchange.status}" + (f" {code!r}" if code else "")


def _start(exchange: Exchange) -> str:
    return repr(exchange.body_text[:80])
