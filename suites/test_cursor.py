"""`cursor`: opaque, and anything that is not a real cursor is VALIDATION."""

import pytest

from layers_conformance.checks.params import GARBAGE_CURSORS, altered, truncated
from layers_conformance.checks.shapes import answers_error
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.plugin import smoke_params


def _real_cursor(conformance):
    cursor = conformance.first_page(limit=1).next_cursor
    if cursor is None:
        inconclusive("the project has a single influencer: no real cursor to spoil")
    return cursor


@pytest.mark.requirement("CURSOR-INVALID-001")
@pytest.mark.parametrize("garbage", smoke_params(GARBAGE_CURSORS, GARBAGE_CURSORS[:1]))
def test_a_garbage_cursor_is_rejected(conformance, garbage):
    """A cursor no server could have made is VALIDATION."""
    expect(answers_error(conformance.get((("cursor", garbage),)), {"VALIDATION"}))


@pytest.mark.requirement("CURSOR-INVALID-001")
def test_a_truncated_cursor_is_rejected(conformance):
    """The first half of a real cursor is VALIDATION."""
    spoiled = truncated(_real_cursor(conformance))
    expect(answers_error(conformance.get((("limit", "1"), ("cursor", spoiled))), {"VALIDATION"}))


@pytest.mark.requirement("CURSOR-TAMPER-001")
def test_an_altered_cursor_is_rejected(conformance):
    """A real cursor with a character changed, or its decoded content edited, is VALIDATION."""
    for spoiled in altered(_real_cursor(conformance)):
        answer = conformance.get((("limit", "1"), ("cursor", spoiled)))
        expect(answers_error(answer, {"VALIDATION"}))
