"""Faults of order, traversal, partition and archiving, as their reports show them.

Each case runs the sequence checks of the suite in its own process against the embedded
reference started with one fault (about 3 s), then reads what a developer would read: the
terminal, `conformance.json`, `junit.xml` and `index.html`. Each must name the page size,
the page and the item where the sequences part, and the page must draw the table.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from layers_conformance.standalone import without_pytest_variables

SUITES = Path(__file__).resolve().parents[2] / "suites"
SEQUENCE_TESTS = (
    "newest_first or each_influencer_once or same_sequence or partition or never_appear "
    "or keeps_only_that_status"
)
# A fault, and a requirement its report must draw.
FAULTS = {
    "tie_skipped_at_boundary": "TRAV-CONSISTENT-001",
    "tie_repeated_at_boundary": "TRAV-NODUP-001",
    "next_cursor_null_after_first_page": "TRAV-CONSISTENT-001",
    "oldest_first": "ORDER-NEWEST-001",
    "status_failed_never_matches": "STATUS-PARTITION-001",
    "status_lost_after_cursor": "STATUS-FILTER-001",
    "archived_leak_after_first_page": "ARCH-EXCLUDED-001",
}


@dataclass(frozen=True)
class Reports:
    """What one run against a faulty reference wrote and printed."""

    terminal: str
    report: dict[str, Any]
    junit: str
    page: str

    def evidence(self, requirement: str) -> dict[str, Any]:
        [result] = [r for r in self.report["requirements"] if r["id"] == requirement]
        assert result["status"] == "fail", result
        first: dict[str, Any] = result["evidence"][0]
        return first


@pytest.fixture(scope="module", params=sorted(FAULTS))
def fault(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def reports(fault, tmp_path_factory) -> Reports:
    out = tmp_path_factory.mktemp(fault)
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "-q", "-p", "no:cacheprovider",
        "-p", "no:randomly", "--seed", "20261129", f"--report-dir={out}",
        "--reference-fault", fault, "-k", SEQUENCE_TESTS, f"--junitxml={out / 'junit.xml'}",
    ]  # fmt: skip
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=SUITES.parent,
        env=without_pytest_variables(),  # a run of its own, not one of this session's workers
    )  # fmt: skip
    written = out / "reference"
    return Reports(
        run.stdout,
        json.loads((written / "conformance.json").read_text("utf-8")),
        (out / "junit.xml").read_text("utf-8"),
        (written / "index.html").read_text("utf-8"),
    )


def where(evidence: dict[str, Any]) -> tuple[str, str, str]:
    """The page size, the page and the item, as the words of a report say them."""
    drawn = evidence["divergence"]
    size = "the default limit" if drawn["page_size"] is None else f"limit={drawn['page_size']}"
    return size, f"page {drawn['page']}", drawn["item"]


def test_the_words_name_the_page_size_the_page_and_the_item(fault, reports):
    """The failure message names where the sequences part, in the report and the terminal."""
    evidence = reports.evidence(FAULTS[fault])
    size, page, item = where(evidence)
    assert evidence["message"].startswith(f"at {size}")
    assert page in evidence["message"] or evidence["divergence"]["page"] == 1
    assert item in evidence["message"]
    assert evidence["message"] in reports.terminal
    assert "request: GET " in reports.terminal


def test_junit_carries_the_same_words(fault, reports):
    """The JUnit failure text holds the message, for CI systems that show only that."""
    evidence = reports.evidence(FAULTS[fault])
    failures = ElementTree.fromstring(reports.junit).iter("failure")
    assert any(evidence["message"] in (failure.text or "") for failure in failures)


def test_the_page_draws_the_table_at_the_item(fault, reports):
    """The HTML finding holds the divergence table, the marked item and its page's rule."""
    requirement = FAULTS[fault]
    block = re.search(
        rf'id="finding-{requirement}".*?(?=<details class="finding|</main>)', reports.page, re.S
    )
    assert block is not None
    drawn = block.group(0)
    number = reports.evidence(requirement)["divergence"]["page"]
    item = reports.evidence(requirement)["divergence"]["item"]
    assert '<table class="divergence">' in drawn
    assert re.search(rf'<code>{item}</code> <span class="mark">', drawn)
    # The page: an item's "page · position" cell, a page rule, or the end of the walk.
    assert re.search(rf">{number} · \d+</td>|page {number} ", drawn)


@pytest.mark.parametrize("fault", ["tie_skipped_at_boundary"], scope="module")
def test_the_readme_quotes_a_real_message(fault, reports):
    """The failure the README quotes under "Reading a failure" is what this run says."""
    readme = (SUITES.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("### Reading a failure") :]
    quoted = section.split("```")[1].strip().replace("\n", " ")
    [result] = [r for r in reports.report["requirements"] if r["id"] == "TRAV-CONSISTENT-001"]
    assert quoted in [evidence["message"] for evidence in result["evidence"]]
