"""Near misses: spellings of limit, status and cursor that a lenient parser reads as a
documented value, and project ids in the spellings a database may read as the same uuid.
Each is sent with every other part of the request valid, so no other defect answers for it."""

from functools import partial

import pytest

from layers_conformance.checks import nearmiss
from layers_conformance.checks.nearmiss import NearMiss
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.core.pages import read_page
from layers_conformance.core.results import NEAR_MISS, SPELLING, PairCoverage
from layers_conformance.probing.observed import observed
from layers_conformance.probing.probe import Probe

# Each parameter's near misses, each with the documented pairs it is sent beside.
MISSES = {
    "limit": nearmiss.limit_near_misses(),
    "status": nearmiss.status_near_misses(),
    "cursor": nearmiss.cursor_near_misses(),
}
OTHER_HEADER = "another org's project (the key in the other header)"
PARAMETERS = [
    pytest.param("limit", marks=pytest.mark.requirement("LIMIT-INTEGER-001")),
    pytest.param("status", marks=pytest.mark.requirement("STATUS-REJECT-001")),
    pytest.param("cursor", marks=pytest.mark.requirement("CURSOR-INVALID-001")),
]


def _answers(conformance, name, coverage):
    misses = MISSES[name]
    conformance.prefetch([partial(Probe.get, params=m.query()) for m in misses])
    answers = []
    try:
        for miss in misses:
            answers.append((miss, conformance.get(miss.query())))
    finally:
        sent = [miss for miss, _ in answers]
        found, exercised = nearmiss.kinds(misses), nearmiss.kinds(sent)
        coverage.append(PairCoverage((name, NEAR_MISS), len(found), found, exercised))
    return answers


@pytest.mark.parametrize("name", PARAMETERS)
def test_a_near_miss_is_answered_as_the_page_allows(conformance, conformance_coverage, name):
    """VALIDATION where the page excludes the spelling; where it leaves room, VALIDATION or
    the page of the value it stands for. Never a 5xx, never a page no reading allows."""

    def page_of(query):
        return read_page(conformance.get(query), 1, None)

    answers = _answers(conformance, name, conformance_coverage)
    # On a list in use two pages read at different times may differ by a change: a page is
    # then judged as any page of its reading must be, whenever read. The run outlasts its
    # walks: a page that shows a change since them is judged so too.
    seen = observed(conformance)
    live, truth = (None if seen.still else nearmiss.reading_asked), seen.truth()
    expect([v for m, answer in answers for v in nearmiss.judge(m, answer, page_of, live, truth)])


@pytest.mark.requirement("QUERY-STRICT-001")
@pytest.mark.parametrize("name", list(MISSES))
def test_a_spelling_the_page_leaves_open_is_rejected(conformance, conformance_coverage, name):
    """The strict reading: leading zeros, a sign, blanks around (`+` and `%20` too), empty or
    repeated values and bare names are VALIDATION (a SHOULD: the page does not settle them).
    A value percent-encoded on the wire is the value it decodes to: no strict reading."""
    answers = _answers(conformance, name, conformance_coverage)
    opened: list[tuple[NearMiss, object]] = [(m, a) for m, a in answers if m.open]
    expect([v for miss, answer in opened for v in nearmiss.strictly_rejected(miss, answer)])


def _spelled(conformance, coverage, whose, project_id, credentials=None, canonical=None, live=None):
    """Every violation of the answers to `project_id` in every spelling."""
    spellings = nearmiss.spellings(project_id)
    get = partial(Probe.get, credentials=credentials)
    conformance.prefetch([partial(get, project_id=s.sent) for s in spellings])
    violations, sent = [], []
    try:
        for spelling in spellings:
            answer = conformance.get(project_id=spelling.sent, credentials=credentials)
            sent.append(spelling)
            violations += nearmiss.spelled_elsewhere(spelling, answer, whose, canonical, live)
    finally:
        found = tuple((s.kind, SPELLING) for s in spellings)
        done = tuple((s.kind, SPELLING) for s in sent)
        coverage.append(PairCoverage((f"projectId: {whose}", SPELLING), len(found), found, done))
    return violations


@pytest.mark.requirement("PROJ-FOREIGN-001")
def test_another_orgs_project_is_not_found_in_any_spelling(conformance, conformance_coverage):
    """Another org's project, its id in every spelling and the key in either header, is
    NOT_FOUND or VALIDATION, never data."""
    foreign = conformance.fixtures.foreign_project_id
    other = conformance.keys.sent_as("other")
    as_written = nearmiss.Spelling("as written, the key in the other header", foreign)
    plain = conformance.get(project_id=foreign, credentials=other)
    violations = nearmiss.spelled_elsewhere(as_written, plain, "another org's project", None)
    for credentials, whose in ((None, "another org's project"), (other, OTHER_HEADER)):
        violations += _spelled(conformance, conformance_coverage, whose, foreign, credentials)
    expect(violations)


@pytest.mark.requirement("PROJ-UNKNOWN-001")
def test_an_unknown_project_is_not_found_in_any_spelling(conformance, conformance_coverage):
    """An unknown project id in every spelling is NOT_FOUND or VALIDATION."""
    unknown = conformance.unknown_project_id
    expect(_spelled(conformance, conformance_coverage, "an unknown project", unknown))


@pytest.mark.requirement("PROJ-MALFORMED-001")
def test_the_main_project_in_another_spelling_is_itself_or_refused(
    conformance, conformance_coverage
):
    """The main project's id in another spelling lists the same first page, or is NOT_FOUND
    or VALIDATION; a malformed id in those spellings is NOT_FOUND or VALIDATION."""
    canonical = read_page(conformance.get(), 1, None)
    if canonical is None:
        inconclusive("the main project's first page is not a page: nothing to compare with")
    main = conformance.fixtures.project_id
    live = observed(conformance).truth()
    violations = _spelled(
        conformance, conformance_coverage, "the main project", main, canonical=canonical, live=live
    )
    malformed = nearmiss.MALFORMED_UUID
    violations += _spelled(conformance, conformance_coverage, "a malformed project id", malformed)
    expect(violations)
