"""Project visibility: the path's project must be one the key's org owns."""

import pytest

from layers_conformance.checks.params import MALFORMED_PROJECT_IDS
from layers_conformance.checks.shapes import answers_error
from layers_conformance.checks.violations import expect, inconclusive


@pytest.mark.smoke
@pytest.mark.requirement("PROJ-UNKNOWN-001")
def test_an_unknown_project_is_not_found(conformance):
    """A well-formed id of no project is 404 NOT_FOUND."""
    answer = conformance.get(project_id=conformance.unknown_project_id)
    expect(answers_error(answer, {"NOT_FOUND"}, {404}))


@pytest.mark.requirement("PROJ-FOREIGN-001")
def test_another_orgs_project_is_not_found(conformance):
    """Another org's project is 404 NOT_FOUND, like one that does not exist."""
    answer = conformance.get(project_id=conformance.fixtures.foreign_project_id)
    expect(answers_error(answer, {"NOT_FOUND"}, {404}))


@pytest.mark.requirement("PROJ-MALFORMED-001")
@pytest.mark.parametrize("project_id", MALFORMED_PROJECT_IDS)
def test_a_malformed_project_id_is_rejected(conformance, project_id):
    """A project id that is not a uuid is NOT_FOUND or VALIDATION."""
    answer = conformance.get(project_id=project_id)
    expect(answers_error(answer, {"NOT_FOUND", "VALIDATION"}))


@pytest.mark.requirement("PROJ-FOREIGN-CURSOR-001")
def test_our_cursor_opens_no_other_orgs_project(conformance):
    """Another org's project with our own cursor is NOT_FOUND or VALIDATION, never data."""
    cursor = conformance.first_page(limit=1).next_cursor
    if cursor is None:
        inconclusive("the project has a single influencer: no cursor to reuse")
    foreign = conformance.fixtures.foreign_project_id
    answer = conformance.get((("limit", "1"), ("cursor", cursor)), project_id=foreign)
    expect(answers_error(answer, {"NOT_FOUND", "VALIDATION"}))
