"""Generated queries: which are valid, how they are sent, and the oracle judging a page."""

from __future__ import annotations

import pytest

from layers_conformance.checks.queries import KnownCursor, Query, honours


def rules(violations):
    return sorted(v.rule for v in violations)


class TestQueryValid:
    @pytest.mark.parametrize(
        "query",
        [
            Query(),
            Query(limit="1"),
            Query(limit="100", status="ready"),
            Query(status="draft", cursor=KnownCursor("c1", "draft", {})),
        ],
    )
    def test_valid_when_every_parameter_is_absent_or_valid(self, query):
        """Absent, in-range limits, one of the five statuses and real cursors are valid."""
        assert query.valid

    @pytest.mark.parametrize(
        "query",
        [
            Query(limit="0"),
            Query(limit="101"),
            Query(limit="2.5"),
            Query(status="READY"),
            Query(limit="10", status="archived"),
            Query(cursor="!!not-a-cursor!!"),
            Query(limit="10", status="ready", cursor="%00"),
        ],
    )
    def test_invalid_when_any_parameter_is(self, query):
        """One invalid limit or status, or a made-up cursor, makes the query invalid."""
        assert not query.valid


class TestQueryParams:
    def test_sends_only_what_is_present_in_a_fixed_order(self):
        """Absent parameters are not sent; the rest go as limit, status, cursor."""
        assert Query().params() == ()
        assert Query(status="ready").params() == (("status", "ready"),)
        assert Query("7", "ready", "junk").params() == (
            ("limit", "7"),
            ("status", "ready"),
            ("cursor", "junk"),
        )

    def test_sends_a_known_cursor_as_its_text(self):
        """A real cursor travels as the cursor string, not the record around it."""
        query = Query(limit="5", cursor=KnownCursor("c9", None, {"influencerId": "inf_z"}))
        assert query.params() == (("limit", "5"), ("cursor", "c9"))


class TestHonours:
    def test_passes_a_page_keeping_the_query(self, make_item, make_page):
        """A page within its limit, of the filtered status, newest first, after the cursor."""
        anchor = make_item("z", 9)
        page = make_page([make_item("a", 8), make_item("b", 7)], limit=2, next_cursor="c2")
        query = Query("2", "ready", KnownCursor("c1", "ready", anchor))
        assert honours(page, query) == []

    def test_flags_a_page_over_its_limit(self, make_item, make_page):
        """A page with more items than the query's limit breaks it."""
        page = make_page([make_item("a", 3), make_item("b", 2), make_item("c", 1)], limit=2)
        assert rules(honours(page, Query(limit="2"))) == ["pages_within_limit"]

    def test_flags_an_item_of_another_status(self, make_item, make_page):
        """An item whose status is not the filter's breaks it."""
        page = make_page([make_item("a", 3), make_item("b", 2, status="failed")])
        [violation] = honours(page, Query(status="ready"))
        assert violation.rule == "all_have_status"
        assert "inf_b" in violation.message

    def test_flags_items_out_of_order(self, make_item, make_page):
        """A page that is not newest first breaks it."""
        page = make_page([make_item("a", 2), make_item("b", 3)])
        assert rules(honours(page, Query())) == ["sorted_newest_first"]

    def test_flags_an_item_newer_than_the_cursors_anchor(self, make_item, make_page):
        """An item created after the last item before the cursor is out of place."""
        page = make_page([make_item("a", 6), make_item("b", 4)])
        [violation] = honours(page, Query(cursor=KnownCursor("c1", None, make_item("z", 5))))
        assert violation.rule == "sorted_newest_first"
        assert "page 1, position 1 lists inf_a " in violation.message
        assert "after inf_z, the item the cursor was made from" in violation.message

    def test_flags_the_anchor_repeated(self, make_item, make_page):
        """The item just before the cursor appearing again on the page breaks it."""
        anchor = make_item("z", 5)
        page = make_page([anchor, make_item("a", 4)])
        [violation] = honours(page, Query(cursor=KnownCursor("c1", None, anchor)))
        assert violation.rule == "no_repeated_items"
        assert (
            "inf_z (createdAt 2026-04-01T14:05:00Z) is listed again on page 1, position 1; "
            "it was already on the page before the cursor"
        ) in violation.message
