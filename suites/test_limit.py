"""`limit`: default 25, bounds 1-100, integers only, and no page larger than asked."""

import pytest

from layers_conformance.checks import invariants, params
from layers_conformance.checks.params import LIMITS_NOT_INTEGER, LIMITS_OUT_OF_RANGE
from layers_conformance.checks.shapes import answers_error, answers_page
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.plugin import smoke_params

SMOKE_LIMITS = {"0", "101", "abc"}


@pytest.mark.smoke
@pytest.mark.requirement("LIMIT-DEFAULT-001")
def test_the_default_page_size_is_25(conformance):
    """Without `limit`, the first page holds min(25, total) influencers."""
    widest = conformance.widest()
    total = len(widest.items)
    if total <= params.DEFAULT_LIMIT and widest.complete:
        inconclusive(f"the project has {total} influencers: 25 or fewer cannot show the default")
    expect(invariants.default_page_size(conformance.first_page(), total))


@pytest.mark.smoke
@pytest.mark.requirement("LIMIT-MAX-001")
def test_no_page_exceeds_its_limit(conformance):
    """Every page of every traversal holds at most its limit."""
    expect([v for t in conformance.compared_traversals() for v in invariants.pages_within_limit(t)])


@pytest.mark.requirement("LIMIT-FULL-001")
def test_pages_are_full_until_the_last(conformance):
    """Every page before the last holds exactly its limit."""
    expect(
        [v for t in conformance.compared_traversals() for v in invariants.pages_full_but_last(t)]
    )


@pytest.mark.requirement("LIMIT-BOUNDS-001")
@pytest.mark.parametrize("limit", ["1", "100"])
def test_the_bounds_are_accepted(conformance, limit):
    """limit=1 and limit=100 are answered with a page."""
    expect(answers_page(conformance.get((("limit", limit),))))


@pytest.mark.requirement("LIMIT-RANGE-001")
@pytest.mark.parametrize("limit", smoke_params(LIMITS_OUT_OF_RANGE, SMOKE_LIMITS))
def test_a_limit_out_of_range_is_rejected(conformance, limit):
    """An integer limit outside 1-100 is VALIDATION."""
    expect(answers_error(conformance.get((("limit", limit),)), {"VALIDATION"}))


@pytest.mark.requirement("LIMIT-INTEGER-001")
@pytest.mark.parametrize("limit", smoke_params(LIMITS_NOT_INTEGER, SMOKE_LIMITS))
def test_a_limit_that_is_not_an_integer_is_rejected(conformance, limit):
    """A limit that is not an integer is VALIDATION."""
    expect(answers_error(conformance.get((("limit", limit),)), {"VALIDATION"}))
