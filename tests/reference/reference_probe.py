"""A fixed battery of requests whose answers fingerprint a server's observable behaviour."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from layers_conformance.reference.dataset import ReferenceFixtures

UNKNOWN = "00000000-0000-4000-8000-000000000000"
SLOW_S = 0.25
PAGES = 30
Observation = tuple[Any, ...]


def observe(client: httpx.Client, path: str, params: dict[str, Any], headers=None) -> Observation:
    """What a person would see: status, content type, body (request ids masked), slowness."""
    started = time.monotonic()
    try:
        response = client.get(path, params=params or None, headers=headers)
    except httpx.HTTPError as error:
        return ("error", type(error).__name__)
    slow = time.monotonic() - started > SLOW_S
    body = re.sub(r"req_[0-9a-f]+", "req_*", response.text)
    return (response.status_code, response.headers.get("content-type"), body, slow)


def probe(base_url: str, fixtures: ReferenceFixtures) -> Iterator[Observation]:
    """The battery, most revealing requests first, so a difference shows up early."""
    main = f"/v1/projects/{fixtures.project_id}/influencers"
    keyed = httpx.Client(base_url=base_url, headers={"X-Api-Key": fixtures.key}, timeout=1)
    with keyed, httpx.Client(base_url=base_url, timeout=1) as keyless:
        yield from _walk(keyed, main, {})
        yield from _walk(keyed, main, {"limit": 7})
        yield from _walk(keyed, main, {"limit": 7, "status": "ready"})
        yield from _walk(keyed, main, {"limit": 80})
        yield from _walk(keyed, main, {"limit": 30, "status": "training"})
        for params in _single_requests():
            yield observe(keyed, main, params)
        yield from _projects(keyed, fixtures, main)
        yield from _combinations(keyed, keyless, fixtures, main)
        for headers in _headers(fixtures):
            yield observe(keyless, main, {"limit": 1}, headers)
        yield from _near_misses(keyed, keyless, fixtures, main)


def _walk(client: httpx.Client, path: str, params: dict[str, Any]) -> Iterator[Observation]:
    cursor = None
    for _ in range(PAGES):
        observation = observe(client, path, {**params, **({"cursor": cursor} if cursor else {})})
        yield observation
        cursor = _next_cursor(observation)
        if cursor is None:
            return


def _next_cursor(observation: Observation) -> str | None:
    try:
        cursor = json.loads(observation[2]).get("nextCursor")
    except (ValueError, IndexError, TypeError, AttributeError):
        return None
    return cursor if isinstance(cursor, str) and cursor else None


def _single_requests() -> list[dict[str, Any]]:
    limits = ["0", "101", "-1", "2.5", "abc", "1", "100"]
    statuses = ["READY", "archived", "bogus", "failed", "draft"]
    return [
        *({"limit": limit} for limit in limits),
        *({"status": status} for status in statuses),
        {"cursor": "garbage"},
        {"limit": 25, "includeArchived": "true"},
    ]


def _projects(
    client: httpx.Client, fixtures: ReferenceFixtures, main: str
) -> Iterator[Observation]:
    cursor = _next_cursor(observe(client, main, {"limit": 7}))
    for project, params in [
        (fixtures.empty_project_id, {}),
        ("not-a-uuid", {}),
        (UNKNOWN, {}),
        (UNKNOWN, {"limit": 0}),
        (fixtures.foreign_project_id, {}),
        (fixtures.foreign_project_id, {"cursor": cursor}),
    ]:
        yield observe(client, f"/v1/projects/{project}/influencers", params)


def _combinations(
    keyed: httpx.Client, keyless: httpx.Client, fixtures: ReferenceFixtures, main: str
) -> Iterator[Observation]:
    """Values each fine alone, sent together: a cursor with another project, filter, limit
    or key."""
    plain = _next_cursor(observe(keyed, main, {"limit": 7}))
    ready = _next_cursor(observe(keyed, main, {"limit": 7, "status": "ready"}))
    empty = f"/v1/projects/{fixtures.empty_project_id}/influencers"
    foreign = f"/v1/projects/{fixtures.foreign_project_id}/influencers"
    yield observe(keyed, empty, {"limit": 7, "cursor": plain})
    yield observe(keyed, empty, {"limit": 0})
    yield observe(keyed, foreign, {"limit": 7, "status": "ready", "cursor": ready})
    yield observe(keyed, main, {"limit": 7, "status": "draft", "cursor": ready})
    yield observe(keyed, main, {"limit": 3, "cursor": plain})
    without_scope = {"X-Api-Key": fixtures.key_without_scope}
    yield observe(keyless, main, {"limit": 7, "cursor": plain}, without_scope)
    yield observe(keyless, main, {"limit": 7, "cursor": plain})


def _headers(fixtures: ReferenceFixtures) -> list[dict[str, str]]:
    return [
        {},
        {"X-Api-Key": ""},
        {"X-Api-Key": "nope"},
        {"X-Api-Key": fixtures.key_without_scope},
        {"Authorization": f"Bearer {fixtures.key}"},
        # the key header's near misses
        {"X-Api-Key": fixtures.key.swapcase()},
        {"Authorization": f"Bearer {fixtures.key.swapcase()}"},
        {"X-Api-Key": fixtures.key[:-1]},
        {"Authorization": f"bearer {fixtures.key}"},
        {"Authorization": f"Bearer  {fixtures.key}"},
        {"Authorization": fixtures.key},
        {"Authorization": ""},
        [("X-Api-Key", fixtures.key), ("x-api-key", fixtures.key)],
    ]


def _near_misses(
    keyed: httpx.Client, keyless: httpx.Client, fixtures: ReferenceFixtures, main: str
) -> Iterator[Observation]:
    """Spellings a lenient parser reads as a documented value; ids in other spellings; the
    end of the list at a small page size; another org's project with a Bearer key."""
    limits = ["\u0667", "1_0", "1,0", "7\n", "07", "+7", " 7", "", "1_0\u00a0"]
    statuses = ["ready\n", "rea", "Ready", "\uff52eady", " ready", ""]
    for params in [
        *({"limit": limit} for limit in limits),
        *({"status": status} for status in statuses),
        {"cursor": ""},
        [("limit", "7"), ("limit", "8")],
    ]:
        yield observe(keyed, main, params)
    for raw in ("limit", "status", "limit=1&cursor", "%6Cimit=7", "%6cimit=7", "limit=%37"):
        yield observe(keyed, f"{main}?{raw}", {})  # a bare name, escapes as written
    yield observe(keyed, f"{main}?status=%72eady", {})
    foreign = fixtures.foreign_project_id
    for spelled in (foreign.upper(), "{" + foreign + "}", f" {foreign} ", "%66" + foreign[1:]):
        yield observe(keyed, f"/v1/projects/{quote(spelled, safe='')}/influencers", {})
    yield observe(keyed, f"/v1/projects/{fixtures.project_id.upper()}/influencers", {})
    bearer = {"Authorization": f"Bearer {fixtures.key}"}
    yield observe(keyless, f"/v1/projects/{foreign}/influencers", {}, bearer)
    cursors = [_next_cursor(page) for page in _walk(keyed, main, {"limit": 7})]
    near_the_end = [cursor for cursor in cursors if cursor][-1:]
    for cursor in near_the_end:  # the tail of the list at a small page size
        yield from _walk(keyed, main, {"limit": 2, "cursor": cursor})
