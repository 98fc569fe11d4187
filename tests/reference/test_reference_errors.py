"""Every error the clean reference answers, with its status, code and envelope."""

from __future__ import annotations

import re

import httpx
import pytest

UNKNOWN_PROJECT = "00000000-0000-4000-8000-000000000000"


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert re.fullmatch(r"req_[0-9a-f]+", error["requestId"])


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Api-Key": ""}, {"X-Api-Key": "nope"}, {"Authorization": "Bearer nope"}],
    ids=["missing", "empty", "unknown", "unknown-bearer"],
)
def test_unauthenticated(base_url, path, headers):
    """A missing, empty or unknown key is 401 UNAUTHENTICATED."""
    assert_error(httpx.get(base_url + path, headers=headers), 401, "UNAUTHENTICATED")


def test_x_api_key_wins_over_bearer(base_url, path, dataset):
    """With both headers, the X-Api-Key one decides."""
    headers = {"X-Api-Key": "nope", "Authorization": f"Bearer {dataset.fixtures.key}"}
    assert_error(httpx.get(base_url + path, headers=headers), 401, "UNAUTHENTICATED")


def test_forbidden_scope_before_project(base_url, dataset):
    """A key without influencers:write is 403, even for an unknown project."""
    headers = {"X-Api-Key": dataset.fixtures.key_without_scope}
    url = f"{base_url}/v1/projects/{UNKNOWN_PROJECT}/influencers"
    assert_error(httpx.get(url, headers=headers), 403, "FORBIDDEN_SCOPE")


@pytest.mark.parametrize("project", ["not-a-uuid", UNKNOWN_PROJECT, "foreign"])
def test_project_not_found(client, dataset, project):
    """Malformed, unknown and foreign projects are all 404 Project not found."""
    project = dataset.fixtures.foreign_project_id if project == "foreign" else project
    response = client.get(f"/v1/projects/{project}/influencers", params={"limit": 0})
    assert_error(response, 404, "NOT_FOUND")
    assert response.json()["error"]["message"] == "Project not found."


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-1"},
        {"limit": "2.5"},
        {"limit": "ten"},
        {"limit": "1e1"},
        {"limit": "99999999999999999999"},
        {"status": "READY"},
        {"status": "archived"},
        {"status": ""},
        {"cursor": "garbage"},
        {"cursor": "!!!"},
    ],
)
def test_validation(client, path, params):
    """Bad limits, statuses and cursors are 400 VALIDATION."""
    assert_error(client.get(path, params=params), 400, "VALIDATION")


@pytest.mark.parametrize("route", ["/", "/v1/projects", "/v1/projects/x/influencers/y"])
def test_other_paths(client, route):
    """Any other path is 404 in the envelope."""
    assert_error(client.get(route), 404, "NOT_FOUND")


def test_other_methods(client, path):
    """Only GET is served on the endpoint's path."""
    assert_error(client.post(path), 404, "NOT_FOUND")
