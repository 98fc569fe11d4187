"""Walking a listing page by page, for the reference self-tests."""

from __future__ import annotations

from typing import Any

import httpx

MAX_PAGES = 400


def walk(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a traversal that follows nextCursor to the end."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_PAGES):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{path} {params}: no end after {MAX_PAGES} pages")


def ids(items: list[dict[str, Any]]) -> list[str]:
    """The influencer ids, in order."""
    return [item["influencerId"] for item in items]
