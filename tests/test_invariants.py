"""Invariants over hand-built pages: each rule passes when kept and names what broke it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from layers_conformance.checks import invariants
from layers_conformance.checks.invariants import parse_timestamp, tie_groups


def messages(violations):
    return [v.message for v in violations]


class TestSortedNewestFirst:
    def test_passes_newest_first_across_pages(self, make_item, make_traversal):
        """createdAt that never increases, page boundaries included, is no violation."""
        walked = make_traversal([make_item("a", 9), make_item("b", 8)], [make_item("c", 8)])
        assert invariants.sorted_newest_first(walked) == []

    def test_names_the_newer_item_its_page_and_position(self, make_item, make_traversal):
        """An item newer than the one before it is named with its page and position."""
        walked = make_traversal(
            [make_item("a", 5), make_item("b", 4)], [make_item("c", 6)], limit=2
        )
        [violation] = invariants.sorted_newest_first(walked)
        assert violation.rule == "sorted_newest_first"
        assert violation.message == (
            "at limit=2 page 2, position 1 lists inf_c (createdAt 2026-04-01T14:06:00Z) after "
            "inf_b, the last item of page 1 (createdAt 2026-04-01T14:04:00Z): "
            "createdAt goes up, not down"
        )
        assert violation.exchange is walked.pages[1].exchange
        assert (violation.divergence.page, violation.divergence.item) == (2, "inf_c")

    def test_skips_unreadable_timestamps(self, make_item, make_traversal):
        """An item without an RFC 3339 createdAt is left to the shape checks."""
        walked = make_traversal([make_item("a", 5), make_item("b", createdAt="soon")])
        assert invariants.sorted_newest_first(walked) == []


class TestNoRepeatedItems:
    def test_passes_distinct_items(self, make_item, make_traversal):
        """Every id once is no violation."""
        walked = make_traversal([make_item("a", 2)], [make_item("b", 1)])
        assert invariants.no_repeated_items(walked) == []

    def test_names_the_repeat_and_both_pages(self, make_item, make_traversal):
        """An id met again names the page and position of the repeat and the first page."""
        walked = make_traversal(
            [make_item("a", 2)], [make_item("b", 1), make_item("a", 2)], limit=1
        )
        assert messages(invariants.no_repeated_items(walked)) == [
            "at limit=1 the item inf_a (createdAt 2026-04-01T14:02:00Z) is listed again on "
            "page 2, position 2; it was already on page 1, position 1"
        ]


class TestWalkEnded:
    @pytest.mark.parametrize("kind", ["cycle", "empty-pages", "empty-cursor", "not-a-page"])
    def test_flags_each_named_guard(self, make_item, make_page, kind):
        """A walk ended by a guard in `kinds` is one violation carrying the walk's reason."""
        walked = invariants.Traversal((make_page([make_item("a")]),), "why it stopped", kind)
        [violation] = invariants.walk_ended(walked, [kind])
        assert violation.message == "why it stopped"
        assert violation.exchange is walked.pages[0].exchange

    def test_ignores_guards_not_named(self, make_item, make_page):
        """A guard outside `kinds` is judged elsewhere."""
        walked = invariants.Traversal((make_page([make_item("a")]),), "looped", "cycle")
        assert invariants.walk_ended(walked, ["not-a-page"]) == []

    def test_passes_a_walk_that_reached_null(self, make_item, make_traversal):
        """A walk that ended on `nextCursor: null` has no stop kind."""
        walk = make_traversal([make_item("a")])
        assert invariants.walk_ended(walk, ["cycle", "empty-cursor", "not-a-page"]) == []

    def test_points_at_the_failed_exchange(self, make_exchange):
        """A walk ended by a non-page carries that answer as evidence."""
        failed = make_exchange(text="oops", status=500)
        walked = invariants.Traversal((), "page 1 is not a page", "not-a-page", False, failed)
        [violation] = invariants.walk_ended(walked, ["not-a-page"])
        assert violation.exchange is failed
        assert violation.conclusive

    def test_a_walk_ended_by_an_unreadable_answer_decides_nothing(self, make_exchange):
        """No answer (or a request that could not be sent) is no evidence about the server."""
        failed = replace(make_exchange(status=200), status=None, error="not sent: too long")
        walked = invariants.Traversal((), "page 2 is not a page", "not-a-page", False, failed)
        [violation] = invariants.walk_ended(walked, ["not-a-page"])
        assert not violation.conclusive


class TestCursorsCanBeSentBack:
    def test_passes_ordinary_cursors(self, make_item, make_traversal):
        assert invariants.cursors_can_be_sent_back(make_traversal([make_item("a")], [])) == []

    @pytest.mark.parametrize(
        ("cursor", "words"),
        [("c" * 70_000, "cannot be sent back: the URL would be too long"),
         ("ab\ud800", "cannot be sent back: the cursor holds a lone surrogate")],
        ids=["too-long", "lone-surrogate"],
    )  # fmt: skip
    def test_names_the_page_whose_cursor_no_url_can_carry(
        self, make_item, make_page, cursor, words
    ):
        """A nextCursor is sent back as a query parameter: one no request can carry breaks
        paging, and the violation points at the page that handed it out."""
        first = make_page([make_item("a")], next_cursor=cursor)
        [violation] = invariants.cursors_can_be_sent_back(invariants.Traversal((first,)))
        assert violation.message.startswith(f"page 1's nextCursor {words}")
        assert violation.exchange is first.exchange


class TestLastCursorIsNull:
    def test_passes_a_walk_ending_on_null(self, make_item, make_traversal):
        """Full pages then a last page with `nextCursor: null` is no violation."""
        walked = make_traversal([make_item("a", 2)], [make_item("b", 1)])
        assert invariants.last_cursor_is_null(walked) == []

    def test_passes_an_empty_last_page(self, make_item, make_traversal):
        """The last page may be empty."""
        assert invariants.last_cursor_is_null(make_traversal([make_item("a")], [])) == []

    def test_flags_an_empty_middle_page(self, make_item, make_traversal):
        """An empty page that still has a cursor is named by its number."""
        walked = make_traversal([make_item("a", 2)], [], [make_item("b", 1)])
        assert messages(invariants.last_cursor_is_null(walked)) == [
            "page 2 is empty but has a nextCursor (only the last page may be empty)"
        ]

    def test_flags_a_missing_next_cursor(self, make_item, make_traversal, missing):
        """A last page without a `nextCursor` member does not say null."""
        walked = make_traversal([make_item("a", 2)], [make_item("b", 1)], last_cursor=missing)
        [violation] = invariants.last_cursor_is_null(walked)
        assert "page 2" in violation.message
        assert "'no nextCursor member'" in violation.message

    @pytest.mark.parametrize("cursor", [0, False, {}, []])
    def test_flags_a_non_null_non_string_cursor(self, make_item, make_traversal, cursor):
        """A last cursor that is neither a string nor null ends the walk but is not null."""
        walked = make_traversal([make_item("a")], last_cursor=cursor)
        [violation] = invariants.last_cursor_is_null(walked)
        assert f"nextCursor {cursor!r}, not null" in violation.message

    def test_does_not_judge_the_end_of_a_prefix(self, make_item, make_traversal):
        """A walk stopped on purpose has no last page to judge."""
        walked = make_traversal([make_item("a")], last_cursor="more", prefix=True)
        assert invariants.last_cursor_is_null(walked) == []


class TestPagesWithinLimit:
    def test_no_limit_means_25(self, make_item, make_traversal):
        """Without a limit, 25 items pass and 26 do not."""
        full = [make_item(f"i{n}") for n in range(25)]
        assert invariants.pages_within_limit(make_traversal(full)) == []
        over = make_traversal([*full, make_item("extra")])
        assert messages(invariants.pages_within_limit(over)) == ["page 1 holds 26 items, limit 25"]

    def test_names_the_page_over_its_limit(self, make_item, make_traversal):
        """A page holding more than its limit is named with its count and limit."""
        walked = make_traversal(
            [make_item("a", 4), make_item("b", 3)],
            [make_item("c", 2), make_item("d", 1), make_item("e", 0)],
            limit=2,
        )
        [violation] = invariants.pages_within_limit(walked)
        assert violation.message == "page 2 holds 3 items, limit 2"
        assert violation.exchange is walked.pages[1].exchange


class TestPagesFullButLast:
    def test_passes_a_short_last_page(self, make_item, make_traversal):
        """Only the last page may hold fewer than its limit."""
        walked = make_traversal([make_item("a", 2), make_item("b", 1)], [make_item("c")], limit=2)
        assert invariants.pages_full_but_last(walked) == []

    def test_names_a_short_middle_page(self, make_item, make_traversal):
        """A page before the last with fewer items than its limit is named."""
        walked = make_traversal([make_item("a", 2)], [make_item("b", 1)], limit=2)
        assert messages(invariants.pages_full_but_last(walked)) == [
            "page 1 holds 1 items, limit 2, and is not the last page"
        ]

    def test_no_limit_means_25(self, make_item, make_traversal):
        """Without a limit, a middle page of 24 items is short."""
        walked = make_traversal([make_item(f"i{n}") for n in range(24)], [make_item("z")])
        [violation] = invariants.pages_full_but_last(walked)
        assert "holds 24 items, limit 25" in violation.message


class TestDefaultPageSize:
    @pytest.mark.parametrize(("held", "total"), [(25, 160), (3, 3), (0, 0), (25, 25)])
    def test_passes_min_of_25_and_total(self, make_item, make_page, held, total):
        """The first page without a limit holds min(25, total) items."""
        first = make_page([make_item(f"i{n}") for n in range(held)], next_cursor="c1")
        assert invariants.default_page_size(first, total) == []

    @pytest.mark.parametrize(("held", "total", "expected"), [(20, 160, 25), (26, 160, 25)])
    def test_flags_another_count(self, make_item, make_page, held, total, expected):
        """Any other count is named with the expected one and the total."""
        first = make_page([make_item(f"i{n}") for n in range(held)], next_cursor="c1")
        assert messages(invariants.default_page_size(first, total)) == [
            f"the first page without a limit holds {held} items; "
            f"expected {expected} (default 25, {total} influencers in all)"
        ]


class TestSameSequence:
    def test_passes_the_same_items_paged_differently(self, make_item, make_traversal):
        """The same sequence split into pages of another size is no violation."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 1)
        assert (
            invariants.same_sequence(make_traversal([a, b, c]), make_traversal([a], [b, c])) == []
        )

    def test_ties_in_another_order_pass(self, make_item, make_traversal):
        """Items of equal createdAt may come in any order within their tie group."""
        a, b, c, d = make_item("a", 3), make_item("b", 2), make_item("c", 2), make_item("d", 1)
        first, second = make_traversal([a, b, c, d]), make_traversal([a, c], [b, d])
        assert invariants.same_sequence(first, second) == []

    def test_equal_instants_written_differently_are_one_tie(self, make_item, make_traversal):
        """`Z` and `+00:00` spell one instant, so such items form one tie group."""
        b_z = make_item("b", 2)
        c_offset = make_item("c", createdAt="2026-04-01T14:02:00+00:00")
        first = make_traversal([b_z, c_offset])
        second = make_traversal([c_offset, b_z])
        assert invariants.same_sequence(first, second) == []

    def test_a_lost_item_fails(self, make_item, make_traversal):
        """An item missing from a tie group is named as missing at that group."""
        a, b, c, d = make_item("a", 3), make_item("b", 2), make_item("c", 2), make_item("d", 1)
        second = make_traversal([a, b], [d], limit=2)
        [violation] = invariants.same_sequence(make_traversal([a, b, c, d], limit=4), second)
        assert violation.message == (
            "at limit=2 the item inf_c (createdAt 2026-04-01T14:02:00Z, tied with inf_b, "
            "the last item of page 1) never appears; page 2 starts with inf_d; "
            "limit=4 lists it on page 1, position 3"
        )
        assert violation.exchange is second.pages[1].exchange

    def test_a_repeat_is_left_to_the_walk_that_repeats(self, make_item, make_traversal):
        """A tied item listed twice across a page boundary breaks TRAV-NODUP-001 by itself;
        the comparison reads each influencer's first listing, so the root is the only finding."""
        a, b, c, d = make_item("a", 3), make_item("b", 2), make_item("c", 2), make_item("d", 1)
        first = make_traversal([a, b, c, d])
        second = make_traversal([a, b, c], [c, d], limit=3)
        assert invariants.same_sequence(first, second) == []
        assert invariants.no_repeated_items(second)

    def test_an_item_out_of_place_fails(self, make_item, make_traversal):
        """Items swapped across tie groups part the traversals at the first difference."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 1)
        [violation] = invariants.same_sequence(
            make_traversal([a, b, c]), make_traversal([a], [c, b], limit=1)
        )
        assert violation.message == (
            "at limit=1 page 2, position 1 lists inf_c (createdAt 2026-04-01T14:01:00Z) "
            "out of the default limit's order"
        )

    def test_a_complete_traversal_that_ends_early_fails(self, make_item, make_traversal):
        """Of two complete traversals, the one that stops short is named."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 1)
        shorter = make_traversal([a, b], limit=5)
        [violation] = invariants.same_sequence(make_traversal([a, b, c]), shorter)
        assert violation.message == (
            "at limit=5 the item inf_c (createdAt 2026-04-01T14:01:00Z) never appears; "
            "the end: page 1 says nextCursor null; the default limit lists it on page 1, position 3"
        )

    def test_a_prefix_is_compared_as_far_as_it_goes(self, make_item, make_traversal):
        """A prefix agreeing with the start of a complete traversal is no violation."""
        a, b, c, d = make_item("a", 4), make_item("b", 3), make_item("c", 2), make_item("d", 1)
        prefix = make_traversal([a, b], last_cursor="more", prefix=True)
        complete = make_traversal([a, b, c, d])
        assert invariants.same_sequence(complete, prefix) == []
        assert invariants.same_sequence(prefix, complete) == []

    def test_a_prefix_may_cut_its_last_tie_group(self, make_item, make_traversal):
        """A prefix ending inside a tie group is not blamed for the group's missing members."""
        a, b, c, d = make_item("a", 3), make_item("b", 2), make_item("c", 2), make_item("d", 1)
        prefix = make_traversal([a, c], last_cursor="more", prefix=True)
        assert invariants.same_sequence(make_traversal([a, b, c, d]), prefix) == []

    def test_a_prefix_that_differs_early_fails(self, make_item, make_traversal):
        """A prefix parting from the complete traversal before its last group is named."""
        a, b, c, x = make_item("a", 4), make_item("b", 3), make_item("c", 2), make_item("x", 3)
        prefix = make_traversal([a, x, c], last_cursor="more", prefix=True)
        [violation] = invariants.same_sequence(make_traversal([a, b, c]), prefix)
        assert "page 1, position 2 lists inf_x " in violation.message
        assert "which the default limit does not list; the default limit lists inf_b there" in (
            violation.message
        )

    def test_a_complete_traversal_shorter_than_a_prefix_fails(self, make_item, make_traversal):
        """A complete traversal that ends before a prefix has is named as ending early."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 1)
        prefix = make_traversal([a, b, c], last_cursor="more", prefix=True, limit=3)
        [violation] = invariants.same_sequence(make_traversal([a], limit=1), prefix)
        assert violation.message == (
            "at limit=3 page 1, position 2 lists inf_b (createdAt 2026-04-01T14:02:00Z), "
            "which limit=1 does not list; limit=1: the end: page 1 says nextCursor null"
        )


class TestAllHaveStatus:
    def test_names_an_item_of_another_status(self, make_item, make_traversal):
        """An item whose status is not the filter's is named with page and position."""
        walked = make_traversal(
            [make_item("a", 2)], [make_item("b", 1, status="draft")], limit=1, status="ready"
        )
        assert messages(invariants.all_have_status(walked, "ready")) == [
            "at limit=1&status=ready the item inf_b (status 'draft', "
            "createdAt 2026-04-01T14:01:00Z) appears on page 2, position 1"
        ]
        assert invariants.all_have_status(make_traversal([make_item("a")]), "ready") == []


class TestFiltersPartition:
    @pytest.fixture
    def listed(self, make_item):
        return {
            "a": make_item("a", 4, status="ready"),
            "b": make_item("b", 3, status="draft"),
            "c": make_item("c", 2, status="ready"),
            "d": make_item("d", 1, status="draft"),
        }

    def test_passes_a_true_partition(self, listed, make_traversal):
        """Each filter listing exactly its status, in order, is no violation."""
        unfiltered = make_traversal(list(listed.values()), limit=4)
        filtered = {
            "ready": make_traversal([listed["a"]], [listed["c"]], limit=1),
            "draft": make_traversal([listed["b"], listed["d"]]),
            "failed": make_traversal([]),
        }
        assert invariants.filters_partition(unfiltered, filtered) == []

    def test_names_the_status_and_the_missing_item(self, listed, make_traversal):
        """A filter that loses an item is named with its status and the item."""
        unfiltered = make_traversal(list(listed.values()))
        filtered = {
            "ready": make_traversal([listed["a"]]),
            "draft": make_traversal([listed["b"], listed["d"]]),
        }
        [violation] = invariants.filters_partition(unfiltered, filtered)
        assert violation.rule == "filters_partition"
        assert violation.message == (
            "at the default limit the item inf_c (createdAt 2026-04-01T14:02:00Z) never "
            "appears; the end: page 1 says nextCursor null; the default limit "
            "(status=ready only) lists it on page 1, position 3"
        )

    def test_names_an_item_the_filter_should_not_hold(self, listed, make_traversal):
        """A filter listing an item of another status parts from the partition there."""
        unfiltered = make_traversal(list(listed.values()))
        filtered = {
            "draft": make_traversal([listed["b"], listed["c"], listed["d"]], status="draft")
        }
        [violation] = invariants.filters_partition(unfiltered, filtered)
        assert violation.message.startswith(
            "at the default limit with status=draft page 1, position 2 lists inf_c "
        )
        assert "which the default limit (status=draft only) does not list" in violation.message

    def test_names_a_filter_in_another_order(self, listed, make_traversal):
        """A filter listing its items out of order is a violation."""
        unfiltered = make_traversal(list(listed.values()))
        filtered = {"ready": make_traversal([listed["c"], listed["a"]])}
        [violation] = invariants.filters_partition(unfiltered, filtered)
        assert "page 1, position 1 lists inf_c " in violation.message
        assert "out of the default limit (status=ready only)'s order" in violation.message

    def test_a_repeat_is_left_to_the_walk_that_repeats(self, make_item, make_traversal):
        """A filtered walk repeating a tied item at a page edge is judged by TRAV-NODUP-001;
        its first listings split the list as they should."""
        a, b = make_item("a", 2, status="ready"), make_item("b", 2, status="ready")
        unfiltered = make_traversal([a, b])
        filtered = {"ready": make_traversal([a], [a, b])}
        assert invariants.filters_partition(unfiltered, filtered) == []


class TestExcludesIds:
    def test_names_an_excluded_item_where_it_appears(self, make_item, make_traversal):
        """An excluded id is named with the reason, page and position."""
        walked = make_traversal([make_item("a", 2)], [make_item("b", 1)])
        assert messages(invariants.excludes_ids(walked, {"inf_b"}, "archived")) == [
            "at the default limit the item inf_b (archived, createdAt 2026-04-01T14:01:00Z) "
            "appears on page 2, position 1"
        ]
        assert invariants.excludes_ids(walked, ["inf_zz"], "archived") == []


class TestTieGroups:
    def test_groups_consecutive_equal_instants(self, make_item):
        """Consecutive items of one instant form one group; order within it is dropped."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 2)
        groups = tie_groups([a, b, c])
        assert [sorted(group) for group in groups] == [["inf_a"], ["inf_b", "inf_c"]]
        assert groups == tie_groups([a, c, b])

    def test_a_repeat_counts(self, make_item):
        """An item repeated within its tie group makes another group than one listing it once."""
        b, c = make_item("b", 2), make_item("c", 2)
        assert tie_groups([b, c, b]) != tie_groups([b, c])


class TestParseTimestamp:
    @pytest.mark.parametrize(
        "text",
        [
            "2026-04-01T14:22:10Z",
            "2026-04-01T14:22:10+00:00",
            "2026-04-01T14:22:10.123Z",
            "2026-04-01T16:22:10.5+02:00",
        ],
    )
    def test_reads_rfc_3339(self, text):
        """Z, numeric offsets and fractional seconds are RFC 3339 and read as aware times."""
        parsed = parse_timestamp(text)
        assert parsed is not None
        assert parsed.tzinfo is not None

    def test_equal_instants_are_equal(self):
        """`Z` and `+00:00` read as the same instant."""
        assert parse_timestamp("2026-04-01T14:22:10Z") == parse_timestamp(
            "2026-04-01T14:22:10+00:00"
        )

    @pytest.mark.parametrize(
        "value",
        [
            "2026-04-01T14:22:10",
            "2026-04-01 14:22:10Z",
            "2026-04-01 14:22:10+00:00",
            "20260401T142210Z",
            "2026-04-01T14:22Z",
            "2026-04-01",
            "2026-02-30T14:22:10Z",
            "",
            None,
            1775053330,
        ],
    )
    def test_rejects_anything_else(self, value):
        """Naive, space-separated, basic-format, truncated or non-string values are not read."""
        assert parse_timestamp(value) is None


class TestEmptyLastPage:
    def test_passes_an_empty_page_saying_null(self, make_page):
        """No items and `nextCursor: null` is what an empty listing looks like."""
        assert invariants.empty_last_page(make_page([])) == []

    def test_leaves_a_non_page_to_the_shape_check(self):
        """No page at all is reported elsewhere."""
        assert invariants.empty_last_page(None) == []

    def test_flags_items_or_a_cursor(self, make_item, make_page):
        """Items or a cursor on what should be an empty last page are named."""
        assert messages(invariants.empty_last_page(make_page([make_item("a")]))) == [
            "expected no items and nextCursor null, got 1 items and nextCursor None"
        ]
        [violation] = invariants.empty_last_page(make_page([], next_cursor="c1"))
        assert "nextCursor 'c1'" in violation.message


class TestSamePage:
    def test_passes_the_same_ids_in_order(self, make_item, make_page, make_exchange):
        """The same influencers in the same order is no violation."""
        expected = make_page([make_item("a", 2), make_item("b", 1)])
        got = make_page([make_item("a", 2), make_item("b", 1)])
        assert invariants.same_page(expected, got, make_exchange()) == []

    def test_names_unexpected_items_and_counts(self, make_item, make_page, make_exchange):
        """Another page names what it added and both counts, with the given exchange."""
        expected = make_page([make_item("a", 2), make_item("b", 1)])
        answer = make_exchange()
        [violation] = invariants.same_page(expected, make_page([make_item("z")]), answer)
        assert "(unexpected: ['inf_z'], 1 vs 2 items)" in violation.message
        assert violation.exchange is answer

    def test_flags_no_page_at_all(self, make_item, make_page, make_exchange):
        """An answer that is not a page is not the same page."""
        [violation] = invariants.same_page(make_page([make_item("a")]), None, make_exchange())
        assert "(unexpected: none, 0 vs 1 items)" in violation.message

    def test_flags_the_same_ids_in_another_order(self, make_item, make_page, make_exchange):
        """Order matters for one page."""
        a, b = make_item("a", 1), make_item("b", 1)
        assert invariants.same_page(make_page([a, b]), make_page([b, a]), make_exchange())


class TestFirstPageSizeOnAListInUse:
    def test_without_a_known_total_a_page_holds_its_limit_when_more_follow(
        self, make_item, make_page
    ):
        """How many there were when the page was read is unknown: only what the page says of
        itself is judged (at most its limit, all of it when its nextCursor says more follow)."""
        items = [make_item(str(n), 50 - n) for n in range(3)]
        assert invariants.first_page_size(make_page(items), None, 5) == []
        assert invariants.first_page_size(make_page(items, next_cursor="n"), None, 3) == []
        [short] = invariants.first_page_size(make_page(items, next_cursor="n"), None, 5, "ready")
        assert short.message == (
            "the first page at limit=5 under status=ready holds 3 items; expected 5 "
            "(limit 5, and its nextCursor says more follow)"
        )
        assert invariants.first_page_size(make_page(items), None, 2)


class TestSameTail:
    def test_the_rest_of_the_list_passes(self, make_item, make_traversal):
        """A tail listing every item after its cursor, and ending, is no violation."""
        c, d, e = make_item("c", 7), make_item("d", 6), make_item("e", 5)
        assert invariants.same_tail([c, d, e], make_traversal([c], [d], [e], limit=1), "t") == []

    def test_a_last_item_lost_is_named(self, make_item, make_traversal):
        """A tail that ends one item early says how many remained."""
        c, d, e = make_item("c", 7), make_item("d", 6), make_item("e", 5)
        [violation] = invariants.same_tail([c, d, e], make_traversal([c], [d], limit=1), "t")
        assert "ends after 2 influencers where 3 remain" in violation.message

    def test_a_tie_cut_elsewhere_at_the_start_is_accepted(self, make_item, make_traversal):
        """The first tie group may start at another member: any tie order is accepted."""
        c, d, e = make_item("c", 7), make_item("d", 7), make_item("e", 5)
        assert invariants.same_tail([c, d, e], make_traversal([d], [e], limit=1), "t") == []

    def test_a_stranger_is_named(self, make_item, make_traversal):
        """An item that is not next in the list is found at its page."""
        c, d, x = make_item("c", 7), make_item("d", 6), make_item("x", 6)
        [violation] = invariants.same_tail([c, d], make_traversal([c], [x], limit=1), "t")
        assert violation.message.startswith("t: page 2:")
