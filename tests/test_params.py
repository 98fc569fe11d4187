"""The parameter space as data: what the page accepts, and inputs that plainly it does not."""

from __future__ import annotations

import base64
import json

import pytest

from layers_conformance.checks import params
from layers_conformance.checks.params import altered, limit_is_valid, status_is_valid, truncated

REAL_CURSORS = (
    "eyJjIjoxNzc1MDUzMzMwLCJpIjoiaW5mXzAxSFhaOSJ9",
    "AAAAAAAA",
    "11111111",
    "12",
    "ab",
    "c_0042-zz",
    "opaque.cursor~v1",
)


class TestLimitIsValid:
    @pytest.mark.parametrize("raw", ["1", "2", "25", "99", "100"])
    def test_accepts_canonical_integers_from_1_to_100(self, raw):
        """Each canonical integer in 1-100 is a valid limit."""
        assert limit_is_valid(raw)

    @pytest.mark.parametrize(
        "raw", ["0", "101", "-1", "-100", "2.5", "25.0", "1e2", "abc", "", "\u0661\u0660", "0x10"]
    )
    def test_rejects_out_of_range_and_non_integers(self, raw):
        """Out of range, fractional, exponent, hex, non-ASCII digits and text are invalid."""
        assert not limit_is_valid(raw)

    def test_every_value_of_1_to_100_and_nothing_around_it(self):
        """The truth table over -200..200: valid exactly on 1..100."""
        assert [n for n in range(-200, 201) if limit_is_valid(str(n))] == list(range(1, 101))

    @pytest.mark.parametrize("raw", params.LIMITS_OUT_OF_RANGE + params.LIMITS_NOT_INTEGER)
    def test_every_listed_invalid_limit_is_invalid(self, raw):
        """Every limit the suite sends as plainly invalid is invalid by the oracle."""
        assert not limit_is_valid(raw)


class TestStatusIsValid:
    @pytest.mark.parametrize("raw", params.STATUSES)
    def test_accepts_the_five(self, raw):
        """Each of the five documented statuses is valid."""
        assert status_is_valid(raw)

    @pytest.mark.parametrize("raw", [*params.STATUSES_INVALID, "", " ready", "ready "])
    def test_rejects_everything_else(self, raw):
        """Case variants, lists, unknown words and padded values are invalid."""
        assert not status_is_valid(raw)

    def test_the_five_are_the_documented_ones(self):
        """The statuses are the page's five, in its order."""
        assert params.STATUSES == ("draft", "pending", "training", "ready", "failed")


class TestGarbageCursors:
    def test_none_is_empty(self):
        """An empty cursor is left open by the page, so it is not among the garbage."""
        assert all(params.GARBAGE_CURSORS)


class TestTruncated:
    @pytest.mark.parametrize("cursor", REAL_CURSORS)
    def test_changes_the_cursor(self, cursor):
        """A truncated cursor is a different, non-empty, shorter cursor."""
        cut = truncated(cursor)
        assert cut
        assert cut != cursor
        assert cursor.startswith(cut)


class TestAltered:
    @pytest.mark.parametrize("cursor", [*REAL_CURSORS, "A", "1", "-", "x"])
    def test_the_first_edit_changes_exactly_one_character(self, cursor):
        """The first altered form has the same length and differs in exactly one place."""
        changed = altered(cursor)[0]
        assert len(changed) == len(cursor)
        assert sum(a != b for a, b in zip(changed, cursor, strict=True)) == 1

    @pytest.mark.parametrize(("middle", "replacement"), [("A", "B"), ("q", "A"), ("7", "1")])
    def test_keeps_the_kind_of_character(self, middle, replacement):
        """A letter stays a letter and a digit a digit, so the cursor still looks well-formed."""
        assert altered(f"xx{middle}xx")[0] == f"xx{replacement}xx"

    def test_a_base64_json_cursor_is_also_edited_inside_and_still_decodes(self):
        """An unsigned cursor gets an edit that decodes, so only a signature can catch it."""
        cursor = base64.urlsafe_b64encode(b'{"i":"inf_01HXZ9","k":1}').decode().rstrip("=")
        edited = altered(cursor)[1]
        payload = json.loads(base64.urlsafe_b64decode(edited + "=" * (-len(edited) % 4)))
        assert payload == {"i": "inf_01HXZ0", "k": 1}

    def test_an_opaque_cursor_gets_only_the_character_edit(self):
        """A cursor that is not base64 JSON has nothing to edit inside."""
        assert len(altered("opaque.cursor~v1")) == 1
