"""Where sequences part: the rows drawn around it, their marks, and the sentence that says it."""

from __future__ import annotations

import pytest

from layers_conformance.checks import divergence, invariants
from layers_conformance.checks.divergence import Listing, query_label


def listing(traversal, label=None):
    return Listing.of(traversal, invariants.tie_key, label)


def column_ids(column):
    return [cell.id if cell else None for cell in column.cells]


def marked(column):
    return {cell.id: cell.mark for cell in column.cells if cell and cell.mark}


@pytest.fixture
def tie_skipped(make_item, make_traversal):
    """c is tied with b, the last item of page 1 at limit=2, and page 2 skips it."""
    a, b, c, d, e = (make_item(x, m) for x, m in zip("abcde", (5, 4, 4, 3, 2), strict=True))
    widest = make_traversal([a, b, c, d, e], limit=100)
    skipping = make_traversal([a, b], [d, e], limit=2)
    return widest, skipping


class TestParted:
    def test_names_page_size_page_and_item(self, tie_skipped):
        """The record names the page size, the page where they part and the missing item."""
        widest, skipping = tie_skipped
        found = divergence.parted(listing(widest), listing(skipping), 1)
        assert (found.divergence.page_size, found.divergence.page) == (2, 2)
        assert found.divergence.item == "inf_c"
        assert found.page is skipping.pages[1]  # the request to replay first

    def test_says_the_tie_with_the_last_item_of_the_page(self, tie_skipped):
        """The sentence says which item, what it is tied with, and where the next page starts."""
        widest, skipping = tie_skipped
        found = divergence.parted(listing(widest), listing(skipping), 1)
        assert found.message == (
            "at limit=2 the item inf_c (createdAt 2026-04-01T14:04:00Z, tied with inf_b, "
            "the last item of page 1) never appears; page 2 starts with inf_d; "
            "limit=100 lists it on page 1, position 3"
        )

    def test_aligns_the_columns_with_a_gap_where_the_item_is_missing(self, tie_skipped):
        """Rows line up item by item; the walk that lost the item has a gap there."""
        widest, skipping = tie_skipped
        left, right = divergence.parted(listing(widest), listing(skipping), 1).divergence.columns
        assert (left.label, right.label) == ("limit=100", "limit=2")
        assert column_ids(left) == ["inf_a", "inf_b", "inf_c", "inf_d", "inf_e"]
        assert column_ids(right) == ["inf_a", "inf_b", None, "inf_d", "inf_e"]
        assert marked(left) == {"inf_c": "missing"}
        assert marked(right) == {}

    def test_page_starts_carry_the_cursor_that_crossed_them(self, tie_skipped):
        """The first item of a page holds the cursor it was asked with ("" for page 1)."""
        widest, skipping = tie_skipped
        right = divergence.parted(listing(widest), listing(skipping), 1).divergence.columns[1]
        starts = {cell.id: cell.cursor for cell in right.cells if cell and cell.cursor is not None}
        assert starts == {"inf_a": "", "inf_d": "c1"}

    def test_shades_a_tie_in_both_columns(self, tie_skipped):
        """The kept item of the tie is shaded in the walk that lost its partner, too."""
        widest, skipping = tie_skipped
        left, right = divergence.parted(listing(widest), listing(skipping), 1).divergence.columns
        tied = [cell.id for column in (left, right) for cell in column.cells if cell and cell.tied]
        assert tied == ["inf_b", "inf_c", "inf_b"]
        assert left.cells[1].tie == left.cells[2].tie == right.cells[1].tie

    def test_says_how_a_walk_ended_when_the_end_is_in_view(self, tie_skipped):
        """A column whose last item is drawn says how its walk ended."""
        widest, skipping = tie_skipped
        left, right = divergence.parted(listing(widest), listing(skipping), 1).divergence.columns
        assert left.end == "the end: page 1 says nextCursor null"
        assert right.end == "the end: page 2 says nextCursor null"

    def test_draws_only_a_few_rows_around_the_first_difference(self, make_item, make_traversal):
        """Before and after the first difference, at most BEFORE and AFTER rows are drawn."""
        items = [make_item(f"i{n:02d}", 59 - n) for n in range(40)]
        lost = make_traversal(items[:20], items[21:], limit=20)
        found = divergence.parted(listing(make_traversal(items)), listing(lost), 20)
        [left, right] = found.divergence.columns
        assert len(left.cells) == divergence.BEFORE + 1 + divergence.AFTER
        assert left.cells[divergence.BEFORE].id == "inf_i20"
        assert (left.end, right.end) == ("", "")

    def test_an_item_the_other_walk_does_not_list_is_extra(self, make_item, make_traversal):
        """An item only the compared walk lists is marked on its side, the other has a gap."""
        a, x, b = make_item("a", 3), make_item("x", 2), make_item("b", 1)
        found = divergence.parted(
            listing(make_traversal([a, b], limit=5)),
            listing(make_traversal([a], [x, b], limit=1)),
            1,
        )
        assert found.message.startswith("at limit=1 page 2, position 1 lists inf_x ")
        assert "which limit=5 does not list" in found.message
        assert marked(found.divergence.columns[1]) == {"inf_x": "extra"}

    def test_a_repeat_is_marked_where_it_repeats(self, make_item, make_traversal):
        """Of an item listed twice, the second listing is marked, whichever the rows pair."""
        a, b = make_item("a", 2), make_item("b", 2)
        found = divergence.parted(
            listing(make_traversal([a, b])), listing(make_traversal([a], [a, b], limit=1)), 0
        )
        right = found.divergence.columns[1]
        [repeat] = [cell for cell in right.cells if cell and cell.mark]
        assert (repeat.id, repeat.mark, repeat.page) == ("inf_a", "repeated", 2)

    def test_an_item_past_a_prefix_is_not_missing(self, make_item, make_traversal):
        """A walk the suite cut short has not lost what lies past its end."""
        items = [make_item(x, 9 - n) for n, x in enumerate("abcdef")]
        prefix = make_traversal([items[0], items[2]], last_cursor="more", prefix=True)
        found = divergence.parted(listing(make_traversal(items)), listing(prefix), 1)
        assert marked(found.divergence.columns[0]) == {"inf_b": "missing"}
        assert found.divergence.columns[1].end.startswith("the suite reads no further")


class TestSingle:
    def test_a_repeat_marks_both_listings(self, make_item, make_traversal):
        """The first listing and the repeat are both marked, with where the first one was."""
        a, b = make_item("a", 2), make_item("b", 1)
        listed = listing(make_traversal([a, b], [b], limit=2))
        found = divergence.repeated(listed, 2, 1)
        [column] = found.divergence.columns
        assert [(c.id, c.mark, c.note) for c in column.cells if c.mark] == [
            ("inf_b", "first-listed", ""),
            ("inf_b", "repeated", "also on page 1, position 2"),
        ]
        assert (found.divergence.page, found.divergence.item) == (2, "inf_b")

    def test_out_of_order_marks_the_item_and_the_one_before(self, make_item, make_traversal):
        """The newer item and the older one listed before it are both marked."""
        listed = listing(make_traversal([make_item("a", 2)], [make_item("b", 3)], limit=1))
        found = divergence.out_of_order(listed, 1, 0)
        assert marked(found.divergence.columns[0]) == {
            "inf_a": "listed-before",
            "inf_b": "out-of-order",
        }
        assert "after inf_a, the last item of page 1" in found.message

    def test_flagged_names_why(self, make_item, make_traversal):
        """An item that must not be there is marked, and the note says why."""
        listed = listing(make_traversal([make_item("a", 2), make_item("z", 1)], limit=7))
        found = divergence.flagged(listed, 1, "excluded", "archived")
        [cell] = [c for c in found.divergence.columns[0].cells if c.mark]
        assert (cell.id, cell.mark, cell.note) == ("inf_z", "excluded", "archived")
        assert found.message == (
            "at limit=7 the item inf_z (archived, createdAt 2026-04-01T14:01:00Z) "
            "appears on page 1, position 2"
        )


class TestQueryLabel:
    @pytest.mark.parametrize(
        ("limit", "status", "label"),
        [
            (7, None, "limit=7"),
            (7, "ready", "limit=7&status=ready"),
            (None, None, "the default limit"),
            (None, "ready", "the default limit with status=ready"),
        ],
    )
    def test_names_the_query_without_its_cursor(
        self, make_item, make_traversal, limit, status, label
    ):
        """A walk is named by what a reader would type, never by its cursor."""
        walked = make_traversal([make_item("a")], [make_item("b")], limit=limit, status=status)
        assert query_label(walked) == label
