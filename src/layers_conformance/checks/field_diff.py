"""An answer set against its documented shape, field by field: the rows a report draws.

Instead of two JSON blobs, a failing shape or error check shows each documented field of
the object at fault (an item, the error envelope, the page), what the page documents for
it, what came back, and whether they differ. Pure: it reads a parsed body, a JSON Schema
and the schema's validation errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import ValidationError

from layers_conformance.core.results import FieldRow

ABSENT = "(absent)"
SHOWN_CHARS = 80
Path = tuple[str | int, ...]


def differing(errors: Iterable[ValidationError]) -> set[Path]:
    """The paths of the fields that break the schema, a missing or unknown member included."""
    paths: set[Path] = set()
    for error in errors:
        path, instance = tuple(error.absolute_path), error.instance
        if error.validator == "required" and isinstance(instance, dict):
            required: list[str] = error.validator_value  # type: ignore[assignment]
            paths |= {(*path, name) for name in required if name not in instance}
        elif error.validator == "additionalProperties" and isinstance(instance, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            paths |= {(*path, name) for name in instance if name not in known}
        else:
            paths.add(path)
    return paths


def object_rows(
    value: object,
    schema: Mapping[str, Any],
    differs: set[Path],
    path: Path = (),
    root: Mapping[str, Any] | None = None,
) -> list[FieldRow]:
    """A row per member `schema` documents (nested objects member by member) and per other one."""
    root = schema if root is None else root
    documented = schema.get("properties", {})
    actual = value if isinstance(value, dict) else {}
    rows: list[FieldRow] = []
    for name, member in documented.items():
        member = _resolve(member, root)
        here = (*path, name)
        if "properties" in member and isinstance(actual.get(name), dict):
            rows += object_rows(actual[name], member, differs, here, root)
        else:
            rows.append(
                FieldRow(dotted(here), describe(member), shown(actual, name), _at(here, differs))
            )
    rows += [
        FieldRow(
            dotted((*path, name)),
            "not documented",
            shown(actual, name),
            _at((*path, name), differs),
        )
        for name in actual
        if name not in documented
    ]
    return rows


def status_row(status: int | None, expected: str, holds: bool) -> FieldRow:
    """The HTTP status, as the first row of an answer's diff."""
    return FieldRow(
        "HTTP status", expected, "no answer" if status is None else str(status), not holds
    )


def describe(schema: Mapping[str, Any]) -> str:
    """What a member's schema asks for, in a few words."""
    if "enum" in schema:
        values = [json.dumps(v) for v in schema["enum"]]
        return values[0] if len(values) == 1 else "one of " + ", ".join(values)
    if "$ref" in schema:
        return f"what {schema['$ref']} documents"
    kinds = schema.get("type", "any value")
    text = " or ".join(kinds) if isinstance(kinds, list) else str(kinds)
    if schema.get("minLength") == 1:
        text = text.replace("string", "non-empty string", 1)
    if "format" in schema:
        text += f" ({schema['format']})"
    if "items" in schema:
        text += f" of {describe(schema['items'])}"
    return text


def shown(actual: Mapping[str, Any], name: str) -> str:
    """A member's value as received, short: an array by its length."""
    if name not in actual:
        return ABSENT
    value = actual[name]
    if isinstance(value, list):
        return f"array of {len(value)}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def dotted(path: Path) -> str:
    """`error.code`, `items[3].createdAt`: a path as the reader writes it."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return text.removeprefix(".") or "body"


def _row(path: Path, expected: str, actual: Mapping[str, Any], differs: set[Path]) -> FieldRow:
    return FieldRow(dotted(path), expected, shown(actual, str(path[-1])), _at(path, differs))


def _resolve(member: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    # Local references (`#/$defs/status`) are followed; another file's are described.
    ref = member.get("$ref", "")
    if not ref.startswith("#/"):
        return member
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    resolved: Mapping[str, Any] = target
    return resolved


def _at(path: Path, differs: set[Path]) -> bool:
    # A field differs when it, anything inside it, or what holds it breaks the schema.
    return any(found[: len(path)] == path or path[: len(found)] == found for found in differs)
