"""The oracle: for each class of point, the answers it accepts and those it rejects."""

from __future__ import annotations

import itertools
from dataclasses import replace
from types import SimpleNamespace

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from layers_conformance.checks import invariants
from layers_conformance.checks.listing import Listing, Run
from layers_conformance.checks.queries import (
    Reading,
    Truth,
    WalkSoFar,
    codes,
    expected,
    judge,
    mismatch,
    pages_so_far,
    readings,
    requirement,
)
from layers_conformance.checks.space import Case, Issued, Point
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page


@pytest.fixture
def it(make_item):
    """The main project's listing, newest first: a to g, where d and e share 14:06."""
    drafts = {"b", "e", "g"}
    minutes = {"a": 9, "b": 8, "c": 7, "d": 6, "e": 6, "f": 5, "g": 4}
    items = {
        name: make_item(name, minute, status="draft" if name in drafts else "ready")
        for name, minute in minutes.items()
    }
    listing = tuple(items.values())
    return SimpleNamespace(**items, listing=listing, truth=Truth(listing, complete=True))


@pytest.fixture
def answered(make_page):
    def answer(items, next_cursor=None):
        return make_page(items, next_cursor=next_cursor).exchange

    return answer


@pytest.fixture
def error(make_exchange):
    def answer(code, status):
        body = {"error": {"code": code, "message": "m", "requestId": "req_1"}}
        return make_exchange(body, status=status)

    return answer


def point(project="main", limit=None, status=None, cursor="none", key="full"):
    return Point(project, limit, status, cursor, key)


def messages(violations):
    return [violation.message for violation in violations]


class TestCodesAndPartitions:
    @pytest.mark.parametrize(
        ("where", "allowed"),
        [
            (point(), set()),
            (point(key="missing", project="unknown"), {"UNAUTHENTICATED", "NOT_FOUND"}),
            (point(project="malformed"), {"NOT_FOUND", "VALIDATION"}),
            (point(limit="0", status="READY"), {"VALIDATION"}),
            (point(key="no-scope/other-header"), {"FORBIDDEN_SCOPE", "UNAUTHENTICATED"}),
            (point(project="foreign", cursor="other-org"), {"NOT_FOUND", "VALIDATION"}),
            (point(cursor="other-status"), {"VALIDATION"}),
        ],
    )
    def test_the_code_of_every_defect_is_allowed(self, where, allowed):
        """The page does not say which defect wins: each one's code is accepted."""
        assert codes(where) == allowed

    @pytest.mark.parametrize(
        ("where", "requirement_id"),
        [
            (point(key="missing", project="foreign", limit="0"), "AUTH-MISSING-001"),
            (point(key="invalid/other-header"), "AUTH-INVALID-001"),
            (point(key="no-scope", cursor="this-query"), "AUTH-SCOPE-001"),
            (point(project="unknown", cursor="garbage"), "PROJ-UNKNOWN-001"),
            (point(project="foreign", cursor="other-org"), "PROJ-FOREIGN-CURSOR-001"),
            (point(project="foreign", status="ready"), "PROJ-FOREIGN-001"),
            (point(project="empty", cursor="other-project"), "PROJ-SCOPE-001"),
            (point(project="empty", cursor="other-project", limit="0"), "QUERY-VALIDATION-001"),
            (point(limit="7", status="ready", cursor="this-query"), "QUERY-VALIDATION-001"),
        ],
    )
    def test_each_point_is_judged_under_its_most_telling_defect(self, it, where, requirement_id):
        """it.a bad key first, then the project, then another project's cursor where a page may
        answer; everything else is QUERY-VALIDATION-001."""
        assert requirement(where) == requirement_id


class TestReadings:
    def test_a_plain_query_has_one_reading(self):
        """No cursor: the top of the filtered listing at the query's limit."""
        assert readings(Case(point(limit="3", status="ready"))) == (Reading("ready", 3),)

    def test_a_cursor_of_another_filter_allows_its_own_filter_and_limit_too(self, it):
        """The page does not say whether the query or the cursor decides, nor whether the
        cursor is its item or a count of rows (an offset): all four mixes, each both ways."""
        issued = Issued("c", "draft", 7, it.b)
        case = Case(point(limit="3", status="ready", cursor="other-status"), "c", issued)
        mixes = {("ready", 3), ("ready", 7), ("draft", 3), ("draft", 7)}
        after = [r for r in readings(case) if not r.counted]
        assert {(r.status, r.limit, r.after["influencerId"]) for r in after} == {
            (*mix, "inf_b") for mix in mixes
        }
        counted = [r for r in readings(case) if r.counted]
        assert {(r.status, r.limit, r.after) for r in counted} == {(*mix, None) for mix in mixes}
        assert expected(case).codes == {"VALIDATION"}

    def test_an_edited_cursor_may_lead_anywhere(self, it):
        """An unsigned cursor edited may still decode: any place of the listing will do."""
        case = Case(point(limit="2", cursor="altered"), "x", Issued("c", None, 2, it.b))
        assert all(r.anywhere for r in readings(case))

    def test_a_hard_defect_allows_no_page(self):
        """Another org's project, a made-up cursor, a bad key: only errors."""
        for where in (point(project="foreign"), point(cursor="garbage"), point(key="missing")):
            assert expected(Case(where)).readings == ()


class TestJudgeErrors:
    def test_an_allowed_error_passes(self, it, error):
        """Either defect's code answers a request with two."""
        case = Case(point(key="missing", limit="0"))
        assert judge(case, error("VALIDATION", 400), it.truth) == []
        assert judge(case, error("UNAUTHENTICATED", 401), it.truth) == []

    def test_a_page_for_another_orgs_project_names_the_combination(self, it, answered):
        """The message says what was sent, what came back and what the page allows."""
        issued = Issued("c", "pending", 3, it.b)
        where = point("foreign", "3", "pending", "other-org")
        violations = judge(Case(where, "c", issued), answered([it.a, it.c, it.d]), it.truth)
        assert messages(violations) == [
            "limit=3&status=pending with a cursor issued to another org on another org's "
            "project, full-scope key answered 200 with 3 items; expected NOT_FOUND or VALIDATION"
        ]
        assert violations[0].exchange is not None

    def test_not_found_travels_with_404(self, it, error):
        """An unknown project's NOT_FOUND must be 404; a malformed id's may be any 4xx."""
        assert judge(Case(point(project="unknown")), error("NOT_FOUND", 400), it.truth)
        assert judge(Case(point(project="malformed")), error("NOT_FOUND", 400), it.truth) == []

    @pytest.mark.parametrize("status", [500, 503])
    def test_a_5xx_is_never_allowed(self, it, error, status):
        """Not even for a request that is wrong in every way."""
        case = Case(point("malformed", "abc", "READY", "garbage", "missing"), "!!")
        [violation] = judge(case, error("VALIDATION", status), it.truth)
        assert f"answered HTTP {status} VALIDATION" in violation.message

    def test_an_error_where_only_a_page_is_allowed(self, it, error):
        """it.a plain request answered VALIDATION is a violation naming the page it owed."""
        [violation] = judge(Case(point(limit="3")), error("VALIDATION", 400), it.truth)
        assert violation.message.endswith(
            "answered HTTP 400 VALIDATION; expected a page of status=any, limit=3"
        )

    def test_an_answer_that_could_not_be_read_is_no_evidence(self, it, error):
        """No answer, or a request no URL could carry, decides nothing; a status the page
        does not allow still does, whatever happened to the body."""
        unsent = Exchange("GET", "https://h/x", {}, error="not sent: the URL would be too long")
        [violation] = judge(Case(point(key="missing")), unsent, it.truth)
        assert not violation.conclusive
        cut = replace(error("VALIDATION", 400), error="body cut after 12 bytes")
        [violation] = judge(Case(point(limit="3")), cut, it.truth)
        assert violation.conclusive  # a 400 where only a page is allowed

    def test_the_other_header_may_be_unread(self, it, error):
        """The key in the header the target does not use: UNAUTHENTICATED is allowed."""
        case = Case(point(key="full/other-header"))
        assert judge(case, error("UNAUTHENTICATED", 401), it.truth) == []


class TestJudgePages:
    def test_the_first_page_holds_min_limit_total_with_a_cursor_while_items_remain(
        self, it, answered
    ):
        """The right items, in order, and a cursor because more remain."""
        assert judge(Case(point(limit="3")), answered([it.a, it.b, it.c], "n"), it.truth) == []
        [short] = judge(Case(point(limit="3")), answered([it.a, it.b], "n"), it.truth)
        assert "it holds 2 items; the first page holds min(limit, total) = 3" in short.message
        [ended] = judge(Case(point(limit="3")), answered([it.a, it.b, it.c]), it.truth)
        assert "nextCursor is null while 4 more items remain" in ended.message

    def test_ties_at_the_end_of_a_page_may_come_in_any_order(self, it, answered):
        """inf_d and inf_e share a createdAt: either may end a page of four."""
        assert (
            judge(Case(point(limit="4")), answered([it.a, it.b, it.c, it.e], "n"), it.truth) == []
        )

    def test_a_skipped_item_is_named(self, it, answered):
        """The position, the item found and the item due."""
        [violation] = judge(Case(point(limit="2")), answered([it.a, it.c], "n"), it.truth)
        assert "item 2 is inf_c created 2026-04-01T14:07:00Z; expected inf_b" in violation.message

    def test_a_filtered_page_after_a_cursor(self, it, answered):
        """The filter's items after the cursor's; a short page is allowed while it says more."""
        issued = Issued("c", "ready", 2, it.a)
        case = Case(point(limit="2", status="ready", cursor="this-query"), "c", issued)
        assert judge(case, answered([it.c, it.d], "n"), it.truth) == []
        assert judge(case, answered([it.c], "n"), it.truth) == []
        [unfiltered] = judge(case, answered([it.b, it.c], "n"), it.truth)
        assert "item 1 is inf_b" in unfiltered.message
        [repeated] = judge(case, answered([it.a, it.c], "n"), it.truth)
        assert "the item the cursor was issued after" in repeated.message

    def test_a_cursor_of_another_filter_read_as_an_offset(self, it, answered):
        """A cursor issued under no filter after 3 rows, sent under `ready`: the ready rows
        from the 4th on (an offset) pass; a skip within them, or a stranger, does not."""
        issued = Issued("c", None, 3, it.c)
        case = Case(point(limit="2", status="ready", cursor="other-status"), "c", issued)
        assert judge(case, answered([it.f]), it.truth) == []  # ready rows: a c d f; offset 3
        assert judge(case, answered([]), it.truth) == []  # past the end of the ready rows
        assert judge(case, answered([it.a, it.d]), it.truth)  # a skip: c is between them
        assert judge(case, answered([it.b]), it.truth)  # a draft under status=ready

    def test_the_last_page_may_be_full_and_carry_a_cursor_but_not_short(self, it, answered):
        """it.a full last page may lead to an empty one; a short one says null."""
        issued = Issued("c", "draft", 1, it.b)
        case = Case(point(limit="2", status="draft", cursor="other-limit"), "c", issued)
        assert judge(case, answered([it.e, it.g], "n"), it.truth) == []
        full_last = Case(point(limit="1", status="draft", cursor="this-query"), "c", issued)
        assert judge(full_last, answered([it.e], "n"), it.truth) == []
        short_last = Case(point(limit="5", status="draft", cursor="this-query"), "c", issued)
        [violation] = judge(short_last, answered([it.e, it.g], "n"), it.truth)
        assert "nextCursor is set on a short page with nothing left" in violation.message

    def test_an_item_of_another_project_is_named(self, it, answered, make_item):
        """Whatever else is wrong, an influencer the project does not list is reported."""
        stranger = make_item("zz", 8)
        violations = judge(Case(point(limit="2")), answered([it.a, stranger], "n"), it.truth)
        assert any("not a live influencer of the main project" in m for m in messages(violations))

    def test_the_empty_project_with_the_main_projects_cursor(self, it, answered, error):
        """Its own empty page, or VALIDATION; never the main project's influencers."""
        issued = Issued("c", None, 2, it.b)
        case = Case(point("empty", "2", None, "other-project"), "c", issued)
        assert judge(case, answered([]), it.truth) == []
        assert judge(case, error("VALIDATION", 400), it.truth) == []
        violations = messages(judge(case, answered([it.c, it.d], "n"), it.truth))
        assert "which is not a live influencer of the empty project" in violations[0]
        assert "answered 200 with 2 items" in violations[-1]

    def test_a_cursor_of_another_filter_reads_either_way(self, it, answered):
        """The query's filter or the cursor's, from the cursor's place; not unfiltered."""
        issued = Issued("c", "draft", 2, it.b)
        case = Case(point(limit="2", status="ready", cursor="other-status"), "c", issued)
        assert judge(case, answered([it.c, it.d], "n"), it.truth) == []
        assert judge(case, answered([it.e, it.g]), it.truth) == []
        assert judge(case, answered([it.c, it.e], "n"), it.truth)

    def test_an_edited_cursor_may_lead_anywhere_in_the_listing(self, it, answered, make_item):
        """Any of the filter's influencers, newest first; none of another project."""
        case = Case(point(limit="2", cursor="altered"), "x", Issued("c", None, 2, it.b))
        assert judge(case, answered([it.e, it.g], "n"), it.truth) == []
        assert judge(case, answered([it.g, it.e], "n"), it.truth)
        assert judge(case, answered([make_item("zz", 3)]), it.truth)

    def test_beyond_what_the_walks_showed_there_is_no_verdict(self, it, answered):
        """it.a prefix of the listing cannot say what lies after it: no evidence, no failure."""
        prefix = Truth(it.listing[:3], complete=False)
        assert judge(Case(point(limit="5")), answered([it.a, it.b, it.c, it.d]), prefix) == []


class TestJudgePagesOnAListInUse:
    """A truth the walks saw changing: a page is judged by what any page shows whenever read."""

    @pytest.fixture
    def live(self, it):
        return replace(it.truth, still=False, seen=frozenset({"inf_x"}))

    def test_a_page_shifted_by_changes_passes(self, it, answered, live):
        """inf_b archived, inf_h created since the walks: the first page differs, and is right."""
        assert judge(Case(point(limit="3")), answered([it.a, it.c, it.d], "n"), live) == []

    def test_a_created_influencer_is_no_stranger(self, it, answered, make_item):
        """Newer than everything the walks listed: created since; older and unknown: a stranger."""
        newest = make_item("h", 30)
        assert judge(Case(point(limit="3")), answered([newest, it.a, it.b], "n"), it.truth) == []
        violations = judge(
            Case(point(limit="3")), answered([it.a, make_item("y", 8)], "n"), it.truth
        )
        assert any("not a live influencer" in m for m in messages(violations))

    def test_one_some_walk_listed_is_no_stranger(self, it, answered, live, make_item):
        """The widest walk may have skipped it: that walk is at fault, not this page."""
        seen_elsewhere = make_item("x", 8)
        assert judge(Case(point(limit="2")), answered([it.a, seen_elsewhere], "n"), live) == []

    def test_what_any_page_must_show_still_fails(self, it, answered, live):
        """Its filter, its order, after its cursor, full when more follow."""
        filtered = Case(point(limit="2", status="ready"))
        assert "of status 'draft'" in judge(filtered, answered([it.a, it.b], "n"), live)[0].message
        [order] = judge(Case(point(limit="2")), answered([it.c, it.a], "n"), live)
        assert "createdAt goes up" in order.message
        [short] = judge(Case(point(limit="3")), answered([it.a, it.b], "n"), live)
        assert "only the last page is short" in short.message
        issued = Issued("c", None, 2, it.c)
        after = Case(point(limit="2", cursor="this-query"), "c", issued)
        [newer] = judge(after, answered([it.a, it.d], "n"), live)
        assert "newer than the item the cursor was issued after" in newer.message

    def test_a_page_that_shows_a_move_is_judged_as_live(self, it, answered):
        """On a still truth, a page whose influencer changed status is judged as live."""
        moved = it.b | {"status": "ready"}
        page = answered([it.a, moved, it.c], "n")
        assert judge(Case(point(limit="3", status="ready")), page, it.truth) == []


# Items from a small world, so that pages repeat ids, go up in time, lack or spoil a
# createdAt (written with Z or +00:00), change status, and hold more than their limit.
ITEMS = st.tuples(
    st.sampled_from("abcdefgh"),
    st.none() | st.integers(0, 9),
    st.sampled_from(["Z", "+00:00", "x"]),
    st.sampled_from(["ready", "draft"]),
)


class TestRows:
    """The listing under a filter, indexed once for every page judged against it."""

    @pytest.mark.parametrize("twice", [True, False])
    @pytest.mark.parametrize("status", [None, "draft", "ready", "archived"])
    def test_rows_before_a_place_are_counted_as_the_listing_orders_them(self, it, status, twice):
        """A cursor read as its item starts after every row at or before that item's place
        (an influencer listed twice counts at its last place)."""
        listing = (*it.listing, it.c) if twice else it.listing  # c listed again, at the end
        truth = Truth(listing, complete=True)
        rows = truth.filtered(status)
        places = {item["influencerId"]: n for n, item in enumerate(listing)}
        for place in range(len(listing)):
            counted = sum(places[row["influencerId"]] <= place for row in rows.items)
            assert rows.before(place) == counted
        for row in rows.items:
            assert rows.first(row["influencerId"]) == rows.items.index(row)
        assert rows.first("inf_x") is None

    def test_a_tie_is_any_row_of_the_influencer_at_that_instant(self, it, make_item):
        """Z and +00:00 are one instant; an influencer listed twice is tied at either place."""
        twice = make_item("d", 2, createdAt="2026-04-01T14:02:00+00:00")
        rows = Truth((*it.listing, twice), complete=True).filtered(None)
        at = rows.items[3]["createdAt"]  # d's first place, 14:06
        assert rows.tied("inf_d", invariants.parse_timestamp(at))
        assert rows.tied("inf_d", invariants.parse_timestamp("2026-04-01T14:02:00Z"))
        assert not rows.tied("inf_d", invariants.parse_timestamp("2026-04-01T14:05:00Z"))
        assert not rows.tied("inf_x", invariants.parse_timestamp(at))

    @given(
        drawn=st.lists(ITEMS, max_size=12),
        cuts=st.lists(st.integers(0, 12), max_size=4),
        extra=ITEMS,
        status=st.sampled_from([None, "ready", "draft"]),
    )
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],  # stateless builders
    )
    def test_rows_over_runs_of_pages_are_the_plain_listings(
        self, make_item, make_page, drawn, cuts, extra, status
    ):
        """The listing as runs of pages (some items held alone) is read as the plain list
        it stands for: its items run by run, its rows, each influencer's first row, the rows
        before a place, its ties, and an influencer put back before the first older one."""
        items = list(make_page([_drawn(make_item, one) for one in drawn]).items)  # as compared
        bounds = [0, *sorted(min(cut, len(items)) for cut in cuts), len(items)]
        runs = [
            Run(
                make_page(items[start:stop]) if n % 2 else tuple(items[start:stop]), 0, stop - start
            )
            for n, (start, stop) in enumerate(itertools.pairwise(bounds))
        ]
        truth = Truth(Listing(runs), complete=True)
        for place, item in enumerate(items):  # a run read once for the places near it
            start, run = truth.view.run_at(place)
            assert start <= place < start + len(run)
            assert run[place - start] == item
        rows = truth.filtered(status)
        plain = [item for item in items if status in (None, item.get("status"))]
        assert list(rows.items) == plain
        assert [rows.items[n] for n in range(len(plain))] == plain
        assert list(rows.items[1:4]) == plain[1:4]
        last = {item["influencerId"]: place for place, item in enumerate(items)}
        for place in range(len(items)):
            assert rows.before(place) == sum(last[row["influencerId"]] <= place for row in plain)
        for ident in {*last, "inf_x"}:
            assert truth.place(ident) == last.get(ident)
            ids = [row["influencerId"] for row in plain]
            assert rows.first(ident) == (ids.index(ident) if ident in ids else None)
            for instant in map(invariants.tie_key, items):
                tied = [row for row in plain if row["influencerId"] == ident]
                assert rows.tied(ident, instant) == (instant in map(invariants.tie_key, tied))
        put = _drawn(make_item, extra)
        assert list(truth.view.inserting(put)) == _put_back(items, put)


def _source(make_page, items, n):
    # Every other run a page's items, the others held alone.
    return make_page(items) if n % 2 else tuple(items)


def _put_back(items, put):
    # Before the first item older than it; at the end when none is or it has no createdAt.
    created = invariants.parse_timestamp(put.get("createdAt"))
    instants = (invariants.parse_timestamp(one.get("createdAt")) for one in items)
    older = (n for n, one in enumerate(instants) if created and one and one < created)
    at = next(older, len(items))
    return [*items[:at], put, *items[at:]]


def _drawn(make_item, drawn):
    ident, minute, zone, state = drawn
    created = None if minute is None else f"2026-04-01T14:{minute:02d}:00{zone}"
    return make_item(ident, status=state) | {"createdAt": created}


class TestWalkSoFar:
    """Page by page, a walk finds what `pages_so_far` finds in all its pages, up to and
    including the first page with a finding (the paging machine stops there)."""

    @given(
        pages=st.lists(st.lists(ITEMS, max_size=4), min_size=1, max_size=8),
        limit=st.sampled_from([None, 2, 3]),
        status=st.sampled_from([None, "ready"]),
    )
    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],  # stateless builders
    )
    def test_finds_what_judging_every_page_again_finds(
        self, make_item, make_page, pages, limit, status
    ):
        walk = WalkSoFar(status)
        for number, drawn in enumerate(pages, start=1):
            items = [_drawn(make_item, one) for one in drawn]
            found = walk.add(make_page(items, number=number, limit=limit, status=status))
            assert found == pages_so_far(list(walk.pages), status)
            if found:
                break

    def test_a_walk_newest_first_of_distinct_ids_finds_nothing(self, make_item, make_page):
        walk = WalkSoFar(None)
        assert walk.add(make_page([make_item("a", 9), make_item("b", 8)])) == []
        assert walk.add(make_page([make_item("c", 8), make_item("d", 7)], number=2)) == []

    def test_the_first_page_that_repeats_an_id_is_found(self, make_item, make_page):
        walk = WalkSoFar(None)
        assert walk.add(make_page([make_item("a", 9), make_item("b", 8)])) == []
        found = walk.add(make_page([make_item("a", 7)], number=2))
        assert [violation.rule for violation in found] == ["no_repeated_items"]


class TestAfterTheWalks:
    """A page requested after the walks' last request may show a change they could not see:
    an influencer archived or moved out of the filter since is missing from it."""

    def _page_without_b(self, it, make_page, number):
        return _answered_as(make_page([it.a, it.c, it.d], next_cursor="c1"), number)

    def test_a_missing_influencer_fails_a_page_read_within_the_walks(self, it, make_page):
        truth = replace(it.truth, until=40)
        read_within = self._page_without_b(it, make_page, 12)
        assert not truth.live(read_within)
        assert mismatch(read_within, Reading(None, 3), truth) is not None

    def test_a_missing_influencer_is_no_evidence_on_a_page_read_after_them(self, it, make_page):
        truth = replace(it.truth, until=40)
        read_after = self._page_without_b(it, make_page, 41)
        assert truth.live(read_after)
        assert mismatch(read_after, Reading(None, 3), truth) is None
        # Still judged as any page must be: in order, of its filter, within its limit.
        out_of_order = make_page([it.c, it.a, it.d], next_cursor="c1")
        late = _answered_as(out_of_order, 41)
        assert mismatch(late, Reading(None, 3), truth) is not None


def _answered_as(page, number):
    """The same page, as the client's request `number` answered it."""
    exchange = replace(page.exchange, number=number)
    return Page(exchange, page.number, page.limit, page.items, page.next_cursor)
