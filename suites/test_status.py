"""`status`: one of five values filters; the five filters split the list; nothing else passes."""

import pytest

from layers_conformance.checks import changes, invariants
from layers_conformance.checks.params import STATUSES, STATUSES_INVALID
from layers_conformance.checks.shapes import answers_error
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.plugin import smoke_params
from layers_conformance.probing.observed import observed


@pytest.mark.requirement("STATUS-FILTER-001")
@pytest.mark.parametrize("status", smoke_params(STATUSES, {"ready"}))
def test_a_status_filter_keeps_only_that_status(conformance, status):
    """With status=S, every item on every page has status S."""
    expect(invariants.all_have_status(conformance.filtered(status), status))


@pytest.mark.requirement("STATUS-PARTITION-001")
def test_the_five_filters_partition_the_list(conformance):
    """The filtered traversals are the unfiltered one split by status, each in its order."""
    unfiltered = conformance.widest()
    present = {item.get("status") for item in unfiltered.items}
    if len(present) < 2:
        inconclusive(
            f"the influencers have {len(present)} distinct status(es): a partition needs two"
        )
    filtered = {status: conformance.filtered(status) for status in STATUSES}
    judged = changes.filters_partition(observed(conformance).timeline, unfiltered, filtered)
    conformance.note(judged.words("of the unfiltered walk its filters list"), judged.changes)
    expect(judged.violations)


@pytest.mark.requirement("STATUS-REJECT-001")
@pytest.mark.parametrize("status", smoke_params(STATUSES_INVALID, {"READY"}))
def test_a_status_outside_the_five_is_rejected(conformance, status):
    """Any other status value is VALIDATION."""
    expect(answers_error(conformance.get((("status", status),)), {"VALIDATION"}))
