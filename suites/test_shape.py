"""Shapes: the page, the slim item and its seven fields, and JSON on the wire."""

import pytest

from layers_conformance.checks import shapes
from layers_conformance.checks.params import STATUSES
from layers_conformance.checks.violations import Inconclusive, expect


def _answers(conformance):
    # The first page and the empty project's page come first: they exist even when a
    # server's pages cannot be walked, and a broken shape must still be reported then.
    yield conformance.get()
    if conformance.fixtures.empty_project_id:
        yield conformance.get(project_id=conformance.fixtures.empty_project_id)
    # Every item's shape, on the pages the plan samples: validating costs more than asking.
    yield from (page.exchange for page in conformance.sample(conformance.widest()))
    if conformance.profile.name != "smoke":
        filtered = (conformance.filtered(s) for s in STATUSES)
        yield from (page.exchange for walk in filtered for page in conformance.sample(walk))


def _violations(conformance, check, extra=()):
    found = [v for exchange in extra for v in check(exchange)]
    try:
        for exchange in _answers(conformance):
            found += check(exchange)
    except Inconclusive:
        if not found:
            raise
    return found


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-PAGE-001")
def test_every_page_has_items_and_next_cursor(conformance):
    """Each 200 body is an object with an items array and a string-or-null nextCursor."""
    expect(_violations(conformance, shapes.answers_page))


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-ITEM-FIELDS-001")
def test_items_have_exactly_the_seven_fields(conformance):
    """No list item lacks one of the seven fields or carries another."""
    expect(_violations(conformance, shapes.item_fields))


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-ITEM-TYPES-001")
def test_item_fields_have_their_types(conformance):
    """Types, the status enum, RFC 3339 createdAt and a URI thumbnailUrl."""
    expect(_violations(conformance, shapes.item_types))


@pytest.mark.requirement("SHAPE-ITEM-NONNULL-001")
def test_item_fields_are_not_null(conformance):
    """gender, ageRange and thumbnailUrl are strings, not null."""
    expect(_violations(conformance, shapes.items_not_null))


@pytest.mark.requirement("SHAPE-ID-PREFIX-001")
def test_influencer_ids_start_with_inf(conformance):
    """Every influencerId starts with inf_."""
    expect(_violations(conformance, shapes.ids_prefixed))


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-CONTENT-TYPE-001")
def test_answers_are_json(conformance):
    """Pages and errors are sent as application/json."""
    errors = conformance.error_samples().values()
    expect(_violations(conformance, shapes.json_content_type, errors))


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-JSON-001")
def test_bodies_are_json_as_rfc_8259_defines_it(conformance):
    """UTF-8, no NaN or Infinity, not nested past what a parser may refuse."""
    errors = conformance.error_samples().values()
    expect(_violations(conformance, shapes.is_json, errors))
