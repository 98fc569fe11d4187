"""Archived (soft-deleted) influencers: hidden everywhere, with no flag to show them."""

import pytest

from layers_conformance.checks import changes, invariants
from layers_conformance.checks.params import STATUSES
from layers_conformance.checks.shapes import answers_error, answers_page
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.core.pages import Traversal, read_page
from layers_conformance.probing.observed import observed
from layers_conformance.probing.space import truth


@pytest.mark.smoke
@pytest.mark.requirement("ARCH-EXCLUDED-001")
def test_archived_influencers_never_appear(conformance):
    """No configured archived id in any traversal, filtered or not, on any page."""
    archived = conformance.fixtures.archived_influencer_ids
    if not archived:
        inconclusive("archived_influencer_ids is empty: nothing to look for")
    traversals = conformance.compared_traversals()
    if conformance.profile.name != "smoke":
        traversals += [conformance.filtered(status) for status in STATUSES]
    expect([v for t in traversals for v in invariants.excludes_ids(t, archived, "archived")])


@pytest.mark.requirement("ARCH-EMPTY-001")
def test_a_project_without_live_influencers_is_one_empty_page(conformance):
    """The empty project answers items [] and nextCursor null."""
    answer = conformance.get(project_id=conformance.fixtures.empty_project_id)
    expect(answers_page(answer))
    page = read_page(answer, 1, None)
    expect(invariants.empty_last_page(page))


@pytest.mark.requirement("ARCH-NOFLAG-001")
def test_include_archived_changes_nothing(conformance):
    """includeArchived=true gives the same page as without it, or VALIDATION."""
    plain = conformance.first_page(limit=100)
    flagged = conformance.get((("limit", "100"), ("includeArchived", "true")))
    if flagged.status != 200:
        expect(answers_error(flagged, {"VALIDATION"}))
        return
    page = read_page(flagged, 1, 100)
    seen = observed(conformance)
    # Evidence on the page, not when it was requested: the same seed says the same at any
    # concurrency (the flagged page may be fetched among the walks or after them).
    if page is None or (seen.still and not truth(conformance).shows_change(page)):
        expect(invariants.same_page(plain, page, flagged))
        return
    # The list changed while the run looked: the two pages may differ by what changed.
    judged = changes.same_sequence(seen.with_pages([plain, page]), _alone(plain), _alone(page))
    conformance.note(judged.words("on both pages"), judged.changes)
    expect(judged.violations)


def _alone(page):
    return Traversal((page,), prefix=page.next_cursor is not None)
