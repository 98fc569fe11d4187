"""The clean reference over real HTTP: traversal, filters, cursors and archived rows."""

from __future__ import annotations

import re

import httpx
import pytest
from reference_walk import ids, walk

from layers_conformance.reference.dataset import STATUSES

ITEM_FIELDS = {"influencerId", "name", "gender", "ageRange", "status", "thumbnailUrl", "createdAt"}


def expected(dataset, status=None):
    return [row.influencer_id for row in dataset.live(dataset.fixtures.project_id, status)]


@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_traversal_is_the_same_at_every_limit(client, path, dataset, limit):
    """Every page size yields the live influencers, newest first, each once."""
    assert ids(walk(client, path, limit=limit)) == expected(dataset)


def test_archived_never_appear(client, path, dataset):
    """No traversal, filtered or not, shows an archived influencer."""
    archived = set(dataset.fixtures.archived_influencer_ids)
    seen = ids(walk(client, path, limit=7))
    for status in STATUSES:
        seen += ids(walk(client, path, limit=7, status=status))
    assert archived
    assert not archived & set(seen)


@pytest.mark.parametrize("status", STATUSES)
def test_status_filter(client, path, dataset, status):
    """A filtered traversal is the unfiltered one restricted to that status."""
    assert ids(walk(client, path, limit=7, status=status)) == expected(dataset, status)


def test_default_limit_and_item_shape(client, path):
    """Without limit a page holds 25 items of exactly the seven fields."""
    items = client.get(path).json()["items"]
    assert len(items) == 25
    assert all(set(item) == ITEM_FIELDS for item in items)
    assert all(re.fullmatch(r"inf_[0-9A-Z]{26}", item["influencerId"]) for item in items)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["createdAt"]) for item in items
    )


def test_limit_may_change_between_pages(client, path, dataset):
    """A cursor from a page of 7 continues at limit 30 where it left off."""
    first = client.get(path, params={"limit": 7}).json()
    second = client.get(path, params={"limit": 30, "cursor": first["nextCursor"]}).json()
    assert ids(first["items"] + second["items"]) == expected(dataset)[:37]


def test_empty_project(client, dataset):
    """A project with only archived influencers answers one empty page."""
    response = client.get(f"/v1/projects/{dataset.fixtures.empty_project_id}/influencers")
    assert response.json() == {"items": [], "nextCursor": None}


def test_unknown_params_are_ignored(client, path):
    """includeArchived=true changes nothing."""
    plain = client.get(path, params={"limit": 100}).json()["items"]
    flagged = client.get(path, params={"limit": 100, "includeArchived": "true"}).json()["items"]
    assert flagged == plain


def test_a_repeated_parameter_is_rejected(client, path):
    """limit=1&limit=3 is VALIDATION: the reference takes the strict reading (QUERY-STRICT-001)."""
    answer = client.get(f"{path}?limit=1&limit=3")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "VALIDATION")


def test_bearer_key_is_accepted(base_url, path, dataset):
    """Authorization: Bearer works as well as X-Api-Key."""
    headers = {"Authorization": f"Bearer {dataset.fixtures.key}"}
    assert httpx.get(base_url + path, headers=headers).status_code == 200
