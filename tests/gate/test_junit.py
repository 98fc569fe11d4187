"""junit.xml as GitHub, GitLab and Jenkins read it: properties on every case, and failures
that name the requirement and quote the documentation.

CI systems show JUnit first, so this parses the file with `xml.etree` from a real failing run
(the embedded reference with `oldest_first`), never trusting what the plugin says it wrote.
"""

from __future__ import annotations

import pytest

from gate import run_gate
from layers_conformance.core.catalogue import load_catalogue

PROPERTIES = {"requirement", "level", "conformance_status"}


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    run = run_gate(tmp_path_factory.mktemp("junit"), "--reference-fault=oldest_first")
    assert run.code == 1, run.explain()
    return run


def test_every_case_carries_the_three_properties(failing):
    """Each test case has requirement, level and conformance_status, with catalogue values."""
    cases = failing.junit()
    catalogue = load_catalogue()
    assert len(cases) > 30
    for case in cases:
        assert case.properties.keys() >= PROPERTIES, case
        requirement = catalogue[case.properties["requirement"]]
        assert case.properties["level"] == requirement.level


def test_the_status_property_agrees_with_the_report(failing):
    """A case's conformance_status is its requirement's status, or a better one (one test of
    a failing requirement may pass)."""
    statuses = failing.statuses
    for case in failing.junit():
        requirement = case.properties["requirement"]
        if case.outcome == "failure":
            assert case.properties["conformance_status"] == "fail"
            assert statuses[requirement] == "fail"


def test_a_failure_names_the_requirement_and_quotes_the_page(failing):
    """What a CI summary shows first (the message attribute) says which sentence broke."""
    catalogue = load_catalogue()
    failures = [case for case in failing.junit() if case.outcome == "failure"]
    assert {case.properties["requirement"] for case in failures} >= {"ORDER-NEWEST-001"}
    for case in failures:
        requirement = catalogue[case.properties["requirement"]]
        assert case.message.startswith(f"{requirement.id} ({requirement.level})"), case.message
        assert requirement.quote in case.message
        assert "curl" in case.text


def test_a_passing_run_carries_the_properties_too(tmp_path):
    """Properties are not an artefact of failure: a clean smoke run has them on every case."""
    run = run_gate(tmp_path, "--profile=smoke")
    assert run.code == 0, run.explain()
    cases = run.junit()
    assert cases
    assert all(case.properties.get("conformance_status") == "pass" for case in cases)
