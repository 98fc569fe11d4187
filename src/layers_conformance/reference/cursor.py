"""Cursors: a position in the listing order, bound to a project and a status filter."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

MAC_BYTES = 16


class CursorError(ValueError):
    """A cursor that does not decode to one this server issued."""


@dataclass(frozen=True)
class Position:
    """The last item a page showed: its sort key (createdAt by default) and its id."""

    key: int | str
    influencer_id: str


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts, for which project and filter, its page number and size."""

    project_id: str
    status: str | None
    position: Position | None
    page: int
    limit: int | None = None


class CursorCodec(Protocol):
    """Turns cursors into opaque strings and back."""

    def encode(self, cursor: Cursor) -> str: ...

    def decode(self, token: str) -> Cursor: ...


@dataclass(frozen=True)
class SignedCodec:
    """urlsafe base64 (no padding) of the JSON payload followed by a truncated HMAC-SHA256."""

    secret: bytes

    def encode(self, cursor: Cursor) -> str:
        payload = _payload(cursor)
        return _b64encode(payload + self._mac(payload))

    def decode(self, token: str) -> Cursor:
        raw = _b64decode(token)
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise CursorError("cursor signature does not match")
        return _cursor(payload)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()[:MAC_BYTES]


@dataclass(frozen=True)
class UnsignedCodec:
    """The same payload without a signature: whatever decodes is trusted."""

    secret: bytes = b""

    def encode(self, cursor: Cursor) -> str:
        return _b64encode(_payload(cursor))

    def decode(self, token: str) -> Cursor:
        return _cursor(_b64decode(token))


@dataclass
class TokenCodec:
    """Random tokens mapped to cursors in a server-side table."""

    secret: bytes = b""
    _table: dict[str, Cursor] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def encode(self, cursor: Cursor) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._table[token] = cursor
        return token

    def decode(self, token: str) -> Cursor:
        with self._lock:
            cursor = self._table.get(token)
        if cursor is None:
            raise CursorError("unknown cursor token")
        return cursor


def _payload(cursor: Cursor) -> bytes:
    position = cursor.position
    fields = {
        "p": cursor.project_id,
        "s": cursor.status,
        "k": None if position is None else position.key,
        "i": None if position is None else position.influencer_id,
        "n": cursor.page,
        "l": cursor.limit,
    }
    return json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()


def _cursor(payload: bytes) -> Cursor:
    try:
        fields = json.loads(payload)
        position = _position(fields["k"], fields["i"])
        cursor = Cursor(fields["p"], fields["s"], position, fields["n"], fields.get("l"))
    except (ValueError, KeyError, TypeError) as error:
        raise CursorError(f"cursor payload is not valid: {error}") from None
    if not _well_typed(cursor):
        raise CursorError("cursor payload has fields of the wrong type")
    return cursor


def _well_typed(cursor: Cursor) -> bool:
    status_ok = cursor.status is None or isinstance(cursor.status, str)
    limit_ok = cursor.limit is None or type(cursor.limit) is int
    page_ok = isinstance(cursor.page, int)
    return isinstance(cursor.project_id, str) and status_ok and page_ok and limit_ok


def _position(key: Any, influencer_id: Any) -> Position | None:
    if key is None and influencer_id is None:
        return None
    if not isinstance(key, int | str) or not isinstance(influencer_id, str):
        raise TypeError("position must be a sort key and an id")
    return Position(key, influencer_id)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(token: str) -> bytes:
    try:
        padded = token.encode("ascii") + b"=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise CursorError(f"cursor is not urlsafe base64: {error}") from None
    # The last character of an unpadded token carries unused bits; several spellings decode
    # to the same bytes, so only the one this server writes is accepted.
    if _b64encode(raw) != token:
        raise CursorError("cursor is not in canonical form")
    return raw
