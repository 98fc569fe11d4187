"""The query space: every pair of its dimensions, points drawn from all of it, and the first
page at every limit. Each point is judged by the one oracle (checks/queries.py) under the
requirement of its most telling defect; how the requests go out (side by side, drawn twice
with one seed) is `probing/judged.py`'s."""

from functools import partial

import pytest

from layers_conformance.checks import invariants, strategies
from layers_conformance.checks.queries import requirement
from layers_conformance.checks.shapes import answers_page
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.core.pages import read_page
from layers_conformance.probing.judged import judge_cases, judge_drawn
from layers_conformance.probing.observed import observed
from layers_conformance.probing.probe import Probe
from layers_conformance.probing.space import first_page_query, first_pages, total

# Each a literal mark, so the catalogue's self-test can read which ids the suites name.
PARTITIONS = [
    pytest.param("QUERY-VALIDATION-001", marks=pytest.mark.requirement("QUERY-VALIDATION-001")),
    pytest.param("PROJ-SCOPE-001", marks=pytest.mark.requirement("PROJ-SCOPE-001")),
    pytest.param("PROJ-UNKNOWN-001", marks=pytest.mark.requirement("PROJ-UNKNOWN-001")),
    pytest.param("PROJ-MALFORMED-001", marks=pytest.mark.requirement("PROJ-MALFORMED-001")),
    pytest.param("PROJ-FOREIGN-001", marks=pytest.mark.requirement("PROJ-FOREIGN-001")),
    pytest.param(
        "PROJ-FOREIGN-CURSOR-001", marks=pytest.mark.requirement("PROJ-FOREIGN-CURSOR-001")
    ),
    pytest.param("AUTH-MISSING-001", marks=pytest.mark.requirement("AUTH-MISSING-001")),
    pytest.param("AUTH-INVALID-001", marks=pytest.mark.requirement("AUTH-INVALID-001")),
    pytest.param("AUTH-SCOPE-001", marks=pytest.mark.requirement("AUTH-SCOPE-001")),
]
# The partition of the plain requests (main or empty project, a valid key) gets the profile's
# examples; each partition of a defect, whose answers vary less, an eighth of them.
DEFECT_SHARE = 8
PLAIN = "QUERY-VALIDATION-001"


@pytest.mark.parametrize("partition", PARTITIONS)
def test_every_pair_of_dimensions_is_answered_as_the_page_allows(
    conformance, conformance_space, conformance_coverage, partition
):
    """Cases covering every pair of project, limit, status, cursor origin and key."""
    mine = [case for case in conformance_space.cases if requirement(case.point) == partition]
    judge_cases(conformance, conformance_space, mine, conformance_coverage)


@pytest.mark.requirement("LIMIT-SIZE-001")
def test_the_first_page_at_every_limit_holds_min_limit_total(conformance, conformance_space):
    """limit=1 to 100 unfiltered, and a spread of limits under each status filter."""
    truth = conformance_space.truth
    # The walks may have stopped before showing how many there are: no verdict past them.
    judged = first_pages(truth)
    archived = set(conformance.fixtures.archived_influencer_ids or ())
    conformance.prefetch([partial(Probe.get, params=first_page_query(*p)) for p in judged])
    violations, narrowed = [], 0
    for limit, status in judged:
        answer = conformance.get(first_page_query(limit, status))
        page = read_page(answer, 1, limit)
        if page is None:
            violations += answers_page(answer)
            continue
        if any(_off_list(item, status, archived) for item in page.items):
            continue  # its filter or the archived rule broke: those judge it, not its size
        # On a list seen changing, how many there were when this page was read is not known.
        known = None if truth.live(page) else total(truth, status)
        narrowed += known is None
        violations += invariants.first_page_size(page, known, limit, status)
    if narrowed:
        said = f"{narrowed} first page(s) read while the list changed: judged against the limit"
        conformance.note(said, observed(conformance).changes)
    expect(violations)


def _off_list(item, status, archived):
    return status not in (None, item.get("status")) or item.get("influencerId") in archived


@pytest.mark.parametrize("partition", PARTITIONS)
def test_any_point_of_the_space_is_answered_as_the_page_allows(
    conformance, conformance_seed, conformance_space, conformance_coverage, partition
):
    """A page honouring the request, or the error of one of its defects; never another's data."""
    examples = conformance.profile.examples
    examples = examples if partition == PLAIN else max(examples // DEFECT_SHARE, 1)
    drawn = strategies.points(conformance_space.offer, partition, conformance_space.points)
    if drawn.is_empty:
        inconclusive(f"the target allows no point judged under {partition}")
    settings = strategies.settings_for(examples, conformance.profile.shrink, 1)
    judge_drawn(
        conformance, conformance_space, drawn, conformance_seed, settings, conformance_coverage
    )
