"""JSON as RFC 8259 defines it for text exchanged between systems, read without surprises.

Python's `json` accepts `NaN` and `Infinity` (RFC 8259 §6 has no such values) and raises
`RecursionError` on deep nesting. `parse` refuses the first, bounds the second (§9 lets a
parser limit nesting), and says where in the body each problem is, as a byte offset of the
UTF-8 body. UTF-8 itself is checked where the bytes are (the client, see `Exchange`).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "parse"]

# The page's bodies are 3 deep ({"items": [{...}]}); 64 leaves room for any reasonable extra.
MAX_DEPTH = 64
BOM = "\ufeff"  # tolerated at the start, as both of the page's clients (fetch, httpx) do
# A JSON string (escapes included, in the unrolled form that never backtracks), or a token.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_CONSTANT = re.compile(rf"{_STRING}|(-?Infinity|NaN)", re.DOTALL)
_BRACKET = re.compile(rf"{_STRING}|([\[\]{{}}])", re.DOTALL)


class _NotJson(ValueError):
    """A constant Python's json accepts and RFC 8259 does not."""


def parse(text: str) -> tuple[Any, str | None]:
    """The value of a JSON body, or None and why the body is not JSON (naming the byte)."""
    body = text.removeprefix(BOM)
    skipped = len(text) - len(body)
    try:
        value = json.loads(body, parse_constant=_reject)
    except _NotJson:
        where = _first(_CONSTANT, body)
        found = body[where : where + 9].split(",")[0].split("}")[0].split("]")[0].strip()
        return None, f"{found} at byte {_byte(text, skipped + where)} is not a JSON value"
    except RecursionError:
        return None, _too_deep(text, body, skipped)
    except json.JSONDecodeError as error:
        where = _byte(text, skipped + error.pos)
        return None, f"invalid JSON at byte {where}: {error.msg}"
    if _deeper_than(value, MAX_DEPTH):
        return None, _too_deep(text, body, skipped)
    return value, None


def _reject(constant: str) -> Any:
    raise _NotJson(constant)


def _too_deep(text: str, body: str, skipped: int) -> str:
    return f"nested deeper than {MAX_DEPTH} levels at byte {_byte(text, skipped + _deep(body))}"


def _first(pattern: re.Pattern[str], body: str) -> int:
    """Where the first match of `pattern`'s group 1 (outside any string) starts."""
    for match in pattern.finditer(body):
        if match.group(1):
            return match.start(1)
    return 0


def _deep(body: str) -> int:
    """Where the body's nesting first goes deeper than MAX_DEPTH."""
    depth = 0
    for match in _BRACKET.finditer(body):
        bracket = match.group(1)
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return match.start(1)
        elif bracket:
            depth -= 1
    return 0


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return False


def _byte(text: str, index: int) -> int:
    """The UTF-8 byte offset of character `index` of `text`."""
    return len(text[:index].encode("utf-8", "surrogatepass"))
