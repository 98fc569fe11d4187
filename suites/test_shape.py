"""Shapes: the page, the slim item and its seven fields, and JSON on the wire."""

import pytest

from layers_conformance import shapes
from layers_conformance.cases import STATUSES
from layers_conformance.outcomes import expect


def _pages(conformance):
    pages = [page.exchange for page in conformance.widest().pages]
    if conformance.profile.name != "smoke":
        pages += [page.exchange for status in STATUSES for page in conformance.widest(status).pages]
    return [conformance.get(), *pages]


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-PAGE-001")
def test_every_page_has_items_and_next_cursor(conformance):
    """Each 200 body is an object with an items array and a string-or-null nextCursor."""
    expect([v for exchange in _pages(conformance) for v in shapes.expect_page(exchange)])


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-ITEM-FIELDS-001")
def test_items_have_exactly_the_seven_fields(conformance):
    """No list item lacks one of the seven fields or carries another."""
    expect([v for exchange in _pages(conformance) for v in shapes.item_field_violations(exchange)])


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-ITEM-TYPES-001")
def test_item_fields_have_their_types(conformance):
    """Types, the status enum, RFC 3339 createdAt and a URI thumbnailUrl."""
    expect([v for exchange in _pages(conformance) for v in shapes.item_type_violations(exchange)])


@pytest.mark.requirement("SHAPE-ITEM-NONNULL-001")
def test_item_fields_are_not_null(conformance):
    """gender, ageRange and thumbnailUrl are strings, not null."""
    expect([v for exchange in _pages(conformance) for v in shapes.item_null_violations(exchange)])


@pytest.mark.requirement("SHAPE-ID-PREFIX-001")
def test_influencer_ids_start_with_inf(conformance):
    """Every influencerId starts with inf_."""
    expect([v for exchange in _pages(conformance) for v in shapes.id_prefix_violations(exchange)])


@pytest.mark.smoke
@pytest.mark.requirement("SHAPE-CONTENT-TYPE-001")
def test_answers_are_json(conformance):
    """Pages and errors are sent as application/json."""
    answers = _pages(conformance) + list(conformance.error_samples().values())
    expect([v for exchange in answers for v in shapes.json_content_type(exchange)])
