"""core/strict_json.py: RFC 8259 JSON, nesting bounded, each problem named by its byte."""

from __future__ import annotations

import json

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from layers_conformance.core.strict_json import MAX_DEPTH, parse

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


class TestJson:
    @settings(max_examples=100, database=None)
    @given(VALUES, st.booleans())
    def test_any_json_value_reads_back_as_itself(self, value, ascii_only):
        """What any JSON writer makes of a value (escaped or raw UTF-8) is that value."""
        assert parse(json.dumps(value, ensure_ascii=ascii_only)) == (value, None)

    def test_a_byte_order_mark_is_skipped(self):
        assert parse('\ufeff{"a": 1}') == ({"a": 1}, None)

    def test_brackets_and_constants_inside_strings_are_only_text(self):
        text = '["' + "[" * 100 + '", "NaN", "\\"Infinity"]'
        assert parse(text) == (["[" * 100, "NaN", '"Infinity'], None)


class TestNotJson:
    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ('["\\"NaN", NaN]', "NaN at byte 10 is not a JSON value"),  # after an escaped quote
            ("\ufeff[NaN]", "NaN at byte 4 is not a JSON value"),  # the BOM is 3 bytes
            ('{"ü": [1,]}', "invalid JSON at byte 10: Expecting value"),  # ü is 2 bytes
            ("", "invalid JSON at byte 0: Expecting value"),
            ('{"a": 1} x', "invalid JSON at byte 9: Extra data"),
        ],
        ids=["escaped-quote", "bom", "multibyte", "empty", "extra-data"],
    )
    def test_the_problem_names_its_utf8_byte(self, text, problem):
        assert parse(text) == (None, problem)

    def test_nesting_json_accepts_is_still_bounded(self):
        """65 levels of objects is well within what Python's json parses, and still too deep:
        the byte named is the 65th opening brace."""
        text = '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
        assert parse(text) == (None, f"nested deeper than {MAX_DEPTH} levels at byte 320")

    def test_exactly_the_limit_is_allowed(self):
        value, problem = parse("[" * MAX_DEPTH + "]" * MAX_DEPTH)
        assert problem is None
        assert value is not None
