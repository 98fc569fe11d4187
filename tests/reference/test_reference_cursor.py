"""Cursors: opaque, signed, and bound to the project and the status filter."""

from __future__ import annotations

import pytest

from layers_conformance.reference.cursor import (
    Cursor,
    CursorError,
    Position,
    SignedCodec,
    TokenCodec,
    UnsignedCodec,
)

CURSOR = Cursor("p", "ready", Position(1_775_053_330, "inf_X"), 2)


def first_cursor(client, path, **params):
    return client.get(path, params={"limit": 7, **params}).json()["nextCursor"]


def altered(token: str, index: int) -> str:
    swap = "A" if token[index] != "A" else "B"
    return token[:index] + swap + token[index + 1 :]


@pytest.mark.parametrize("codec", [SignedCodec(b"k"), UnsignedCodec(), TokenCodec()])
def test_round_trip(codec):
    """Every codec gives back the cursor it encoded."""
    assert codec.decode(codec.encode(CURSOR)) == CURSOR


def test_signed_cursor_is_urlsafe_without_padding():
    """The token needs no escaping in a query string."""
    token = SignedCodec(b"k").encode(CURSOR)
    assert token.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize("replacement", "AQgw-_9")
def test_signed_rejects_any_altered_character(replacement):
    """Any one character changed, the last (with its unused bits) included, is refused."""
    codec = SignedCodec(b"k")
    token = codec.encode(CURSOR)
    for index, original in enumerate(token):
        if original != replacement:
            with pytest.raises(CursorError):
                codec.decode(token[:index] + replacement + token[index + 1 :])


@pytest.mark.parametrize("index", [0, 10, 30, -2])
def test_tampered_cursor_is_rejected(client, path, index):
    """An altered real cursor is 400 VALIDATION."""
    tampered = altered(first_cursor(client, path), index)
    assert client.get(path, params={"cursor": tampered}).status_code == 400


def test_truncated_cursor_is_rejected(client, path):
    """Half a real cursor is 400 VALIDATION."""
    cursor = first_cursor(client, path)
    assert client.get(path, params={"cursor": cursor[: len(cursor) // 2]}).status_code == 400


def test_cursor_is_bound_to_status(client, path):
    """A cursor of the unfiltered listing is refused with a status, and the reverse."""
    unfiltered = client.get(path, params={"cursor": first_cursor(client, path), "status": "ready"})
    filtered = client.get(path, params={"cursor": first_cursor(client, path, status="ready")})
    assert (unfiltered.status_code, filtered.status_code) == (400, 400)


def test_cursor_is_bound_to_project(client, path, dataset):
    """Our cursor on another project of the org, or another org's, is refused."""
    cursor = first_cursor(client, path)
    for project in (dataset.fixtures.empty_project_id, dataset.fixtures.foreign_project_id):
        response = client.get(f"/v1/projects/{project}/influencers", params={"cursor": cursor})
        assert response.status_code in (400, 404)
        assert "items" not in response.json()
