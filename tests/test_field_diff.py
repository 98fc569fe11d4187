"""An answer's fields against a schema, row by row: which differ, and how each is shown."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from layers_conformance.checks import field_diff
from layers_conformance.checks.field_diff import ABSENT, SHOWN_CHARS

SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "kind"],
            "properties": {
                "code": {"enum": ["A", "B"]},
                "kind": {"$ref": "#/$defs/kind"},
            },
        },
        "when": {"type": "string", "format": "date-time"},
    },
    "$defs": {"kind": {"enum": ["x"]}},
}


def rows(body):
    differs = field_diff.differing(Draft202012Validator(SCHEMA).iter_errors(body))
    return [
        (r.path, r.expected, r.actual, r.differs)
        for r in field_diff.object_rows(body, SCHEMA, differs)
    ]


class TestObjectRows:
    def test_nested_members_are_rows_and_only_the_wrong_one_differs(self):
        """Members of a nested object are rows of their own; a wrong value is marked."""
        assert rows({"error": {"code": "C", "kind": "x"}}) == [
            ("error.code", 'one of "A", "B"', '"C"', True),
            ("error.kind", '"x"', '"x"', False),
            ("when", "string (date-time)", ABSENT, False),
        ]

    def test_a_missing_member_differs(self):
        """A required member that is absent is shown as absent, and differs."""
        assert rows({"error": {"code": "A"}})[1] == ("error.kind", '"x"', ABSENT, True)

    def test_an_object_that_is_not_one_differs_as_a_whole(self):
        """A member that should be an object but is not is one differing row."""
        assert rows({"error": "oops"})[0] == ("error", "object", '"oops"', True)

    def test_undocumented_members_are_shown(self):
        """A member the schema does not name is a row of its own."""
        assert rows({"error": {"code": "A", "kind": "x"}, "extra": [1, 2]})[-1] == (
            "extra", "not documented", "array of 2", False,
        )  # fmt: skip


class TestShown:
    def test_long_values_are_cut(self):
        """A long value is cut to SHOWN_CHARS characters and an ellipsis."""
        shown = field_diff.shown({"name": "x" * 200}, "name")
        assert len(shown) == SHOWN_CHARS + 1
        assert shown.endswith("…")

    @pytest.mark.parametrize(
        ("path", "text"),
        [
            (("error", "code"), "error.code"),
            (("items", 3, "createdAt"), "items[3].createdAt"),
            ((), "body"),
        ],
    )
    def test_paths_read_as_written(self, path, text):
        """Paths are written the way a reader writes them."""
        assert field_diff.dotted(path) == text
