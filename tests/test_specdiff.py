"""`layers-conformance spec-diff`: the page cut into statements, stale quotes, uncovered
statements, and the command seen failing on edited copies of the pinned page."""

from __future__ import annotations

import pytest

from layers_conformance.cli import main as cli
from layers_conformance.core.catalogue import (
    Requirement,
    Unquoted,
    load_catalogue,
    load_pinned_page,
)
from layers_conformance.core.specdiff import Stale, Unit, diff_page, fragments, units

PINNED = load_pinned_page()
PAGE = PINNED.path.read_text("utf-8")


def requirement(quote, section="Errors", ident="X-Y-001"):
    return Requirement(ident, "a", "MUST", "s", section, quote, ())


def edited(old, new):
    """The pinned page with `old` (which must be on it once) replaced by `new`."""
    assert PAGE.count(old) == 1, old
    return PAGE.replace(old, new)


class TestUnits:
    def test_prose_and_list_items_are_cut_into_sentences(self):
        """A paragraph or item holding two sentences gives two units, on its first line."""
        page = "## S\n\nOne thing. Two things;\nstill two.\n\n- `a` — x. Y z.\n"
        assert units(page) == [
            Unit(3, "One thing."),
            Unit(3, "Two things; still two."),
            Unit(6, "a — x."),
            Unit(6, "Y z."),
        ]

    def test_table_rows_and_code_lines_are_units_headings_and_punctuation_are_not(self):
        """Each table row and each code line with a word is one unit; `{` or `---` is not."""
        page = (
            '## S\n\n| Code | When |\n| --- | --- |\n| A | b. |\n\n```json\n{\n  "k": 1\n}\n```\n'
        )
        assert units(page) == [
            Unit(3, "| Code | When |"),
            Unit(5, "| A | b. |"),
            Unit(9, '"k": 1'),
        ]

    def test_a_header_above_a_rule_before_the_first_section_is_left_out(self):
        """The pinned copy's own header (above `---`) is not the endpoint's documentation."""
        page = "# Copy\n\nKept as received.\n\n---\n\n## GET /x\n\nLists.\n"
        assert units(page) == [Unit(9, "Lists.")]

    def test_a_rule_after_the_first_section_leaves_everything_in(self):
        """A page that opens with its section has no header: nothing is dropped."""
        page = "## GET /x\n\nLists.\n\n---\n\nMore.\n"
        assert [u.text for u in units(page)] == ["Lists.", "More."]


class TestDiffPage:
    def test_the_pinned_page_agrees_with_the_catalogue(self):
        """Every quote is on the pinned page, and every statement of it is quoted."""
        diff = diff_page(PAGE, load_catalogue().values(), PINNED.unquoted)
        assert diff.stale == ()
        assert diff.uncovered == ()
        assert diff.agrees

    def test_a_quote_off_the_page_is_stale(self):
        """Each missing fragment of a quote is listed with its requirement."""
        page = "## Errors\n\nA is b.\n"
        diff = diff_page(page, [requirement("A is b. ... C is d.")])
        assert diff.stale == (Stale("X-Y-001", "C is d."),)

    def test_a_section_that_is_no_longer_a_heading_is_stale(self):
        """A requirement's section must still be a heading of the page."""
        diff = diff_page("## Faults\n\nA is b.\n", [requirement("A is b.")])
        assert diff.stale == (Stale("X-Y-001", "section heading 'Errors'"),)

    def test_a_statement_quoted_only_in_part_is_uncovered(self):
        """Words added to a quoted sentence make it uncovered: each of its words must be quoted."""
        diff = diff_page("## Errors\n\nAuth: Bearer or a key.\n", [requirement("Auth: Bearer")])
        assert diff.uncovered == (Unit(3, "Auth: Bearer or a key."),)

    def test_a_quote_may_span_statements_and_several_quotes_one_statement(self):
        """Coverage is word by word over the page, wherever the quotes' words stand."""
        page = "## Errors\n\nA is b; c is d. E is f.\n"
        quotes = [requirement("A is b"), requirement("c is d. E is f.")]
        assert diff_page(page, quotes).agrees

    def test_unquoted_passages_cover_and_go_stale_like_quotes(self):
        """A passage recorded as no requirement covers its words, and is stale when gone."""
        unquoted = [Unquoted("Phase 1.", "a release phase")]
        assert diff_page("## Errors\n\nPhase 1.\n", [], unquoted).agrees
        diff = diff_page("## Errors\n\nPhase 2.\n", [], unquoted)
        assert diff.stale == (Stale("unquoted", "Phase 1."),)
        assert diff.uncovered == (Unit(3, "Phase 2."),)

    def test_fragments_split_only_on_spaced_elisions(self):
        """`req_...` is a word of the page; ` ... ` between words is an elision."""
        assert fragments('"requestId": "req_..."') == ['"requestId": "req_..."']
        assert fragments("limit — integer ... VALIDATION | x") == [
            "limit — integer",
            "VALIDATION | x",
        ]
        assert fragments("a … b") == ["a", "b"]


# Edited copies of the pinned page, as a newer published page might read; each must fail.
EDITS = {
    "changed limit range": ("Page size, 1-100.", "Page size, 1-200."),
    "new status value": ("`ready`, `failed`.", "`ready`, `failed`, `archived`."),
    "removed error code": ("| VALIDATION | Invalid limit, cursor, or status. |\n", ""),
    "reworded note": (
        "Soft-deleted rows are hidden.",
        "Soft-deleted rows are returned with status archived.",
    ),
    "new error code": ("| VALIDATION |", "| RATE_LIMITED | Too many requests. |\n| VALIDATION |"),
    "new example field": ('"name": "Ava Chen",', '"name": "Ava Chen",\n      "email": "a@b.c",'),
    "renamed section": ("### Errors", "### Error codes"),
}
EXPECTED = {  # (a requirement now stale or None, a line now uncovered or None)
    "changed limit range": ("LIMIT-BOUNDS-001", "Page size, 1-200."),
    "new status value": (
        "STATUS-REJECT-001",
        "One of: draft, pending, training, ready, failed, archived.",
    ),
    "removed error code": ("CURSOR-INVALID-001", None),
    "reworded note": ("ARCH-EMPTY-001", "Soft-deleted rows are returned with status archived."),
    "new error code": (None, "| RATE_LIMITED | Too many requests. |"),
    "new example field": (None, '"email": "a@b.c",'),
    "renamed section": ("AUTH-MISSING-001", None),
}


class TestSpecDiffCommand:
    def test_the_pinned_page_passes(self, capsys):
        """Exit 0 on the pinned page, saying it is the pinned one and that all agrees."""
        assert cli(["spec-diff", str(PINNED.path)]) == 0
        out = capsys.readouterr().out
        assert "the page the catalogue pins" in out
        assert "agrees with the catalogue" in out

    @pytest.mark.parametrize("edit", EDITS)
    def test_each_edited_copy_fails(self, tmp_path, capsys, edit):
        """Exit 1, naming what went stale and the new statements nothing quotes."""
        page = tmp_path / "new.md"
        page.write_text(edited(*EDITS[edit]), "utf-8")
        assert cli(["spec-diff", str(page)]) == 1
        out = capsys.readouterr().out
        assert "not the page the catalogue pins" in out
        stale, uncovered = EXPECTED[edit]
        if stale:
            assert f"  {stale}: " in out
        if uncovered:
            assert f": {uncovered}\n" in out
        assert "agrees" not in out

    def test_an_unreadable_page_is_a_one_line_usage_error(self, tmp_path, capsys):
        """A missing file: one line on stderr, exit 4."""
        assert cli(["spec-diff", str(tmp_path / "absent.md")]) == 4
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0
        assert "cannot read" in err
