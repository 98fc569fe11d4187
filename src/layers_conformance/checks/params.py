"""The documented parameter space as data: what is valid, and inputs that plainly are not.

Spellings whose reading the page leaves open (leading zeros, "+5", blanks, empty values,
repeated parameters) are deliberately absent; see the catalogue's ambiguity notes.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

STATUSES = ("draft", "pending", "training", "ready", "failed")
MIN_LIMIT, MAX_LIMIT = 1, 100
DEFAULT_LIMIT = 25
CANONICAL_INTEGER = re.compile(r"-?[1-9][0-9]*|0")

LIMITS_OUT_OF_RANGE = ("0", "101", "-1", "-25", "1000", "99999999999999999999")
LIMITS_NOT_INTEGER = ("2.5", "25.0", "abc", "10abc", "1e2", "0x10", "ten", "NaN", "[25]")
STATUSES_INVALID = (
    "READY",
    "Ready",
    "archived",
    "deleted",
    "ready,draft",
    '["ready"]',
    "active",
)
# A key no target issues, and project ids that are not uuids: both plainly invalid.
UNKNOWN_KEY = "lc_not_a_key_0000000000000000"
MALFORMED_PROJECT_IDS = ("not-a-uuid", "12345", "00000000-0000-0000-0000-00000000000g")
GARBAGE_CURSORS = ("!!not-a-cursor!!", "%00", "\u00e9t\u00e9", "a" * 300)


def limit_is_valid(raw: str) -> bool:
    """A limit the page accepts: a canonical integer from 1 to 100."""
    return bool(CANONICAL_INTEGER.fullmatch(raw)) and MIN_LIMIT <= int(raw) <= MAX_LIMIT


def status_is_valid(raw: str) -> bool:
    """A status the page accepts: exactly one of the five values."""
    return raw in STATUSES


def truncated(cursor: str) -> str:
    """The first half of a real cursor."""
    return cursor[: max(1, len(cursor) // 2)]


def altered(cursor: str) -> list[str]:
    """Edits of a real cursor: its middle character changed and, when the cursor is base64
    JSON, a value inside changed and re-encoded, so that it still decodes."""
    middle = len(cursor) // 2
    char = cursor[middle]
    replacement = "B" if char == "A" else "A" if char.isalpha() else "1" if char != "1" else "2"
    edits = [cursor[:middle] + replacement + cursor[middle + 1 :]]
    decodable = _edited_json(cursor)
    return edits + ([decodable] if decodable and decodable != cursor else [])


def _edited_json(cursor: str) -> str | None:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    edited = json.dumps(_edit_first_string(payload), separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(edited).decode()
    return encoded if cursor.endswith("=") else encoded.rstrip("=")


def _edit_first_string(value: Any) -> Any:
    # Changes the last character of the first string of two or more characters, depth first.
    if isinstance(value, str) and len(value) > 1:
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    if isinstance(value, dict):
        for key, inner in value.items():
            edited = _edit_first_string(inner)
            if edited != inner:
                return {**value, key: edited}
    if isinstance(value, list):
        for index, inner in enumerate(value):
            edited = _edit_first_string(inner)
            if edited != inner:
                return [*value[:index], edited, *value[index + 1 :]]
    return value
