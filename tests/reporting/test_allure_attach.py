"""Allure helpers, checked in the result files allure-pytest writes in a real pytest run."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from layers_conformance.core.exchange import Exchange
from layers_conformance.reporting.allure_attach import (
    attach_exchanges,
    exchange_title,
    section_slug,
)

INNER_TEST = """
from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.exchange import Exchange
from layers_conformance.reporting.allure_attach import attach_exchanges, label_requirement

def test_limit(tmp_path):
    label_requirement(Requirement(
        id="LIMIT-MAX-001", area="limit", level="MUST",
        statement="No page holds more items than its limit.", section="Query parameters",
        quote="Page size, 1-100.", fixtures=("project_id",), ambiguity="",
    ))
    attach_exchanges([Exchange(
        method="GET", address="http://127.0.0.1:8000/v1/projects/p1/influencers?limit=7",
        request_headers={"X-Api-Key": "$LAYERS_API_KEY"}, status=200,
        response_headers={"content-type": "application/json"},
        body='{"items": [], "nextCursor": null}',
    )], tmp_path)

def test_two(tmp_path):
    attach_exchanges([
        Exchange("GET", f"http://h/v1/projects/p1/influencers?limit={limit}", {}, status=200)
        for limit in (1, 2)
    ], tmp_path)

def test_many(tmp_path):
    attach_exchanges([
        Exchange("GET", f"http://h/v1/projects/p1/influencers?cursor=c{n}", {}, status=200)
        for n in range(102)
    ], tmp_path)
    assert not list(tmp_path.iterdir())  # the file Allure copied is gone

def test_should():
    label_requirement(Requirement(
        id="LIMIT-FULL-001", area="limit", level="SHOULD", statement="Full pages.",
        section="GET /v1/projects/:projectId/influencers", quote="Page size.",
        fixtures=(), ambiguity="A short page mid-traversal is a warning.",
    ))
"""


@pytest.fixture
def results(pytester) -> dict[str, dict]:
    """Run the inner tests under allure-pytest in a subprocess; their results by test name."""
    pytester.makepyfile(test_inner=INNER_TEST)
    outcome = pytester.runpytest_subprocess(
        "--alluredir", "allure-results", "-p", "no:cacheprovider"
    )
    outcome.assert_outcomes(passed=4)
    files = (pytester.path / "allure-results").glob("*-result.json")
    return {result["name"]: result for result in map(json.loads, map(Path.read_text, files))}


def labels(result: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for label in result["labels"]:
        found.setdefault(label["name"], []).append(label["value"])
    return found


# Each pytester subprocess costs about a second, so one run checks all of a helper's output.
def test_label_requirement(results):
    """Id, area and severity become labels; a link to the section; the catalogue text."""
    found = labels(results["test_limit"])
    assert found["requirement"] == found["story"] == ["LIMIT-MAX-001"]
    assert (found["feature"], found["severity"]) == (["limit"], ["critical"])
    assert labels(results["test_should"])["severity"] == ["normal"]
    assert results["test_limit"]["links"] == [
        {
            "type": "link",
            "name": "LIMIT-MAX-001",
            "url": "docs/list-influencers.md#query-parameters",
        }
    ]
    description = results["test_limit"]["description"]
    assert "**MUST** No page holds more items than its limit.\n\n> Page size, 1-100." in description
    should = results["test_should"]["description"]
    assert "(this requirement is the strict reading, so a failure is only a warning)" in should
    assert "A short page mid-traversal is a warning." in should


def test_attach_exchanges(results, pytester):
    """One exchange is one text attachment named after the request and its status; several
    are one attachment too, each under its title, in order."""
    (attachment,) = results["test_limit"]["attachments"]
    assert attachment["name"] == "GET /v1/projects/p1/influencers?limit=7 -> 200"
    assert attachment["type"] == "text/plain"
    text = (pytester.path / "allure-results" / attachment["source"]).read_text()
    assert text.startswith(
        "=== GET /v1/projects/p1/influencers?limit=7 -> 200\n"
        "GET http://127.0.0.1:8000/v1/projects/p1/influencers?limit=7\n"
    )
    assert "X-Api-Key: $LAYERS_API_KEY\n" in text
    assert 'HTTP 200 application/json\n{"items": [], "nextCursor": null}' in text
    assert "curl -sS -i" in text
    (both,) = results["test_two"]["attachments"]
    assert both["name"] == "2 exchanges, from GET /v1/projects/p1/influencers?limit=1 -> 200"
    text = (pytester.path / "allure-results" / both["source"]).read_text()
    first, second = (
        text.index("=== GET /v1/projects/p1/influencers?limit=1 -> 200\n"),
        text.index("=== GET /v1/projects/p1/influencers?limit=2 -> 200\n"),
    )
    assert 0 == first < second


def test_attach_many_exchanges(results, pytester):
    """A test that judged more than SHOWN_WHOLE exchanges shows the first whole and the
    others by title: its attachment does not grow with every page a long walk read."""
    (many,) = results["test_many"]["attachments"]
    text = (pytester.path / "allure-results" / many["source"]).read_text()
    assert text.count("\n=== GET ") == 99  # the first opens the file
    assert "=== 2 more, by title (exchanges.har holds each whole)\n" in text
    assert text.endswith(
        "GET /v1/projects/p1/influencers?cursor=c100 -> 200\n"
        "GET /v1/projects/p1/influencers?cursor=c101 -> 200"
    )


def test_an_attachment_of_thousands_is_written_without_holding_its_text(tmp_path):
    """A test that compared long walks judged thousands of exchanges: their titles are
    written as they are made, so memory stays far below the attachment's size (issue 23)."""
    cursor = "c" * 400 + "\u2026"  # one character past Latin-1: four bytes a character at once
    exchanges = [
        Exchange("GET", f"http://h/v1/projects/p1/influencers?cursor={cursor}{n}", {}, status=200)
        for n in range(5_000)
    ]
    tracemalloc.start()
    try:
        attach_exchanges(exchanges, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000 < 5_000 * len(cursor)  # the text is 2 MB, 8 MB at four bytes
    assert not list(tmp_path.iterdir())


def test_title_without_response():
    """A transport error is named as such, without a query string when there is none."""
    exchange = Exchange("GET", "http://h/v1/projects/p1/influencers", {}, error="timed out")
    assert exchange_title(exchange) == "GET /v1/projects/p1/influencers -> no response"


@pytest.mark.parametrize(
    ("section", "slug"),
    [
        ("Query parameters", "query-parameters"),
        ("GET /v1/projects/:projectId/influencers", "get-v1projectsprojectidinfluencers"),
        ("Errors", "errors"),
    ],
)
def test_section_slug(section, slug):
    """Anchors follow GitHub's heading slugs."""
    assert section_slug(section) == slug


def test_import_does_not_load_allure():
    """The plugin imports the helpers on every run; allure loads only when they are called."""
    code = "import sys, layers_conformance.reporting.allure_attach; print('allure' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
