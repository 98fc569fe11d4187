"""Comparing observations as a live list allows, on hand-made sequences of numbered pages:
created, archived and moved between pages is no failure; a skip is, and it is the lacking
walk's; a still list is judged as strictly as before."""

from __future__ import annotations

import math
import tempfile
import tracemalloc
from dataclasses import replace
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers_conformance.checks import changes, invariants
from layers_conformance.checks.changes import Sighting, Timeline
from layers_conformance.core.exchange import Bodies, Exchange, Stored
from layers_conformance.core.index import DiskIndex, MemoryIndex
from layers_conformance.core.pages import Page, Traversal


class Clock:
    """Numbers exchanges as the client does: each sent after the one before was answered."""

    def __init__(self) -> None:
        self._next = count(1)

    def walk(self, traversal: Traversal) -> Traversal:
        pages = tuple(
            Page(
                replace(page.exchange, number=n, answered_at=n),
                page.number,
                page.limit,
                page.items,
                page.next_cursor,
            )
            for page in traversal.pages
            for n in [next(self._next)]
        )
        return replace(traversal, pages=pages)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def items(make_item):
    """Six influencers, newest first, two of them draft."""
    return {
        name: make_item(name, minute, status=status)
        for name, minute, status in [
            ("f", 50, "ready"),
            ("e", 40, "draft"),
            ("d", 30, "ready"),
            ("c", 20, "ready"),
            ("b", 10, "draft"),
            ("a", 5, "ready"),
        ]
    }


def walk_of(make_traversal, items, names, limit=2, status=None):
    listed = [items[n] for n in names]
    pages = [listed[i : i + limit] for i in range(0, len(listed), limit)] or [[]]
    return make_traversal(*pages, limit=limit, status=status)


class TestSameSequence:
    def test_a_still_list_that_agrees_passes_and_says_what_it_compared(
        self, clock, make_traversal, items
    ):
        """Two walks listing the same: no violation, all six compared, nothing set aside."""
        one = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        two = clock.walk(walk_of(make_traversal, items, "fedcba", limit=3))
        judged = changes.same_sequence(Timeline.of([one, two]), one, two)
        assert judged.violations == []
        assert judged.words("live in both walks") == "compared the 6 influencers live in both walks"

    def test_an_influencer_created_between_the_walks_is_set_aside(
        self, clock, make_traversal, make_item, items
    ):
        """The later walk starts with one newer than the earlier walk's head: created."""
        items["g"] = make_item("g", 55)
        before = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        after = clock.walk(walk_of(make_traversal, items, "gfedcba", limit=3))
        timeline = Timeline.of([before, after], changing=True)
        judged = changes.same_sequence(timeline, before, after)
        assert judged.violations == []
        assert [(c.kind, c.influencer) for c in judged.changes] == [("created", "inf_g")]
        assert "set aside 1 created" in judged.words("live in both walks")

    def test_an_influencer_archived_between_the_walks_is_set_aside(
        self, clock, make_traversal, items
    ):
        """Listed by the earlier walk, by nothing after the later one's page: archived."""
        before = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        after = clock.walk(walk_of(make_traversal, items, "fecba", limit=3))
        timeline = Timeline.of([before, after], changing=True)
        judged = changes.same_sequence(timeline, before, after)
        assert judged.violations == []
        assert [(c.kind, c.influencer) for c in judged.changes] == [("archived", "inf_d")]

    def test_on_a_list_never_seen_changing_the_order_excuses_nothing(
        self, clock, make_traversal, items
    ):
        """The same absence, where nothing was seen created or moved: a skip, whatever the
        order of requests (a still list's verdict does not depend on the concurrency)."""
        before = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        after = clock.walk(walk_of(make_traversal, items, "fecba", limit=3))
        assert changes.same_sequence(Timeline.of([before, after]), before, after).violations

    def test_a_walk_that_skips_one_listed_before_and_after_it_fails(
        self, clock, make_traversal, items
    ):
        """Live before the walk and after it, in its covered part, absent: a skip, named on
        the walk that skipped, with the other walk as the evidence."""
        before = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        skipping = clock.walk(walk_of(make_traversal, items, "fecba", limit=3))
        after = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        timeline = Timeline.of([before, skipping, after])
        [violation] = changes.same_sequence(timeline, before, skipping).violations
        assert "inf_d" in violation.message
        assert violation.message.startswith("at limit=3")

    def test_the_skipping_walk_is_blamed_when_it_is_the_reference(
        self, clock, make_traversal, items
    ):
        """Where the widest walk skipped, the drawing names it, not the right walk."""
        skipping = clock.walk(walk_of(make_traversal, items, "fecba", limit=6))
        right = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        [violation] = changes.same_sequence(
            Timeline.of([skipping, right]), skipping, right
        ).violations
        assert violation.message.startswith("at limit=6 the item inf_d")
        assert violation.exchange is skipping.pages[0].exchange

    def test_on_unnumbered_observations_every_difference_is_judged_strictly(
        self, make_traversal, items
    ):
        """Without the order of requests, nothing can be called archived: as before."""
        one = walk_of(make_traversal, items, "fedcba", limit=2)
        two = walk_of(make_traversal, items, "fecba", limit=3)
        assert changes.same_sequence(Timeline.of([one, two]), one, two).violations

    def test_an_order_that_differs_fails_whatever_changed(self, clock, make_traversal, items):
        """Changes never excuse two influencers listed in the other order."""
        one = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        two = clock.walk(walk_of(make_traversal, items, "fedbca", limit=3))
        assert changes.same_sequence(Timeline.of([one, two]), one, two).violations

    def test_past_the_end_of_a_prefix_nothing_is_judged(self, clock, make_traversal, items):
        """A walk that stopped short covers only its part of the list."""
        one = clock.walk(walk_of(make_traversal, items, "fedcba", limit=2))
        short = clock.walk(replace(walk_of(make_traversal, items, "fed", limit=3), prefix=True))
        judged = changes.same_sequence(Timeline.of([one, short]), one, short)
        assert judged.violations == []
        assert judged.compared == 3


class TestFiltersPartition:
    def test_an_influencer_that_moved_between_the_walks_is_set_aside(
        self, clock, make_traversal, items
    ):
        """Seen draft by the unfiltered walk and ready by the filtered one: moved."""
        unfiltered = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        items["e"] = items["e"] | {"status": "ready"}
        ready = clock.walk(walk_of(make_traversal, items, "fedca", limit=2, status="ready"))
        draft = clock.walk(walk_of(make_traversal, items, "b", limit=2, status="draft"))
        timeline = Timeline.of([unfiltered, ready, draft])
        judged = changes.filters_partition(timeline, unfiltered, {"ready": ready, "draft": draft})
        assert judged.violations == []
        assert {(c.kind, c.influencer) for c in judged.changes} == {("moved", "inf_e")}

    def test_a_filtered_walk_that_skips_fails(self, clock, make_traversal, items):
        """A ready influencer listed before and after the filtered walk, absent from it."""
        unfiltered = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        ready = clock.walk(walk_of(make_traversal, items, "fca", limit=2, status="ready"))
        closing = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        timeline = Timeline.of([unfiltered, ready, closing])
        [violation] = changes.filters_partition(timeline, unfiltered, {"ready": ready}).violations
        assert "inf_d" in violation.message

    def test_an_item_of_another_status_is_never_set_aside(self, clock, make_traversal, items):
        """A filtered walk listing a draft under status=ready is wrong by itself."""
        unfiltered = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        ready = clock.walk(walk_of(make_traversal, items, "fedca", limit=2, status="ready"))
        timeline = Timeline.of([unfiltered, ready])
        assert changes.filters_partition(timeline, unfiltered, {"ready": ready}).violations


class TestAbsence:
    def test_created_needs_nothing_listing_it_before_the_walk(self, clock, make_traversal, items):
        """Newer than a walk's head but listed before the walk began: not created, skipped."""
        seen = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        headless = clock.walk(walk_of(make_traversal, items, "edcba", limit=6))
        later = clock.walk(walk_of(make_traversal, items, "f", limit=1))
        timeline = Timeline.of([seen, headless, later])
        assert changes.absence(timeline, items["f"], headless, None).kind == "skipped"

    def test_a_walk_that_lists_nothing_covers_nothing(self, make_traversal, items):
        """A walk with no page says nothing of any influencer."""
        empty = Traversal(())
        assert changes.absence(Timeline([]), items["f"], empty, None).kind == "uncovered"

    def test_an_influencer_the_fixtures_archived_is_never_explained(
        self, clock, make_traversal, items
    ):
        """Listed only before a walk, it would look archived since; archived by the fixtures,
        its listing is the fault and stays compared."""
        leaking = clock.walk(walk_of(make_traversal, items, "fedcba", limit=6))
        later = clock.walk(walk_of(make_traversal, items, "fecba", limit=6))
        timeline = Timeline.of([leaking, later], never_live=["inf_d"])
        assert changes.absence(timeline, items["d"], later, None).kind == "unexplained"
        assert changes.same_sequence(timeline, leaking, later).violations

    def test_an_unfiltered_walk_is_never_excused_by_a_move(self, clock, make_traversal, items):
        """A filtered walk lists one the unfiltered walk, read before, lacks: no move explains
        an absence from a walk without a filter."""
        unfiltered = clock.walk(walk_of(make_traversal, items, "fecba", limit=6))
        ready = clock.walk(walk_of(make_traversal, items, "fdca", limit=2, status="ready"))
        timeline = Timeline.of([unfiltered, ready])
        assert changes.absence(timeline, items["d"], unfiltered, None).kind == "skipped"

    def test_a_walk_out_of_order_makes_nothing_created(self, clock, make_traversal, items):
        """Newer than its first item, but not than all it listed: no creation explains it."""
        lacking = clock.walk(walk_of(make_traversal, items, "dfcba", limit=6))
        timeline = Timeline.of([lacking])
        assert changes.absence(timeline, items["e"], lacking, None).kind != "created"


class TestPlaces:
    """The page that would list an influencer, found by bisection over a walk's boundaries:
    the first page that ends older than it, as a pass over the pages finds it."""

    @staticmethod
    def linear(walk: Traversal, created):
        for page in walk.pages:
            oldest = invariants.created_at(page.items[-1]) if page.items else None
            if oldest is not None and oldest < created:
                return page
        return walk.pages[-1] if walk.complete and walk.pages else None

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(
        pages=st.lists(st.lists(st.integers(0, 59), max_size=3), max_size=6),
        complete=st.booleans(),
        minute=st.integers(0, 59),
    )
    def test_the_page_found_is_the_first_ending_older_in_any_order(
        self, make_item, make_traversal, pages, complete, minute
    ):
        """Pages out of order, empty or tied at a boundary: the same page as a pass finds."""
        listed = [
            [make_item(f"{p}{n}", m) for n, m in enumerate(minutes)]
            for p, minutes in enumerate(pages)
        ]
        walk = make_traversal(*listed, prefix=not complete) if listed else Traversal(())
        created = invariants.created_at(make_item("x", minute))
        assert changes.Places.of(walk).covering(created) is self.linear(walk, created)


NAMES = st.sampled_from("abcdefgh")
# None: an item without createdAt, as a page's last it leaves the walk without a reach.
MINUTES = st.none() | st.integers(0, 9)


def _made(make_item, name, minute):
    return make_item(name, 0) | {"createdAt": None} if minute is None else make_item(name, minute)


class TestCoveredOnly:
    """Leaving out what lies past a prefix's reach drops only what `absence` says is
    uncovered: every absence a comparison sets aside or blames is still found."""

    @settings(
        suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200, deadline=None
    )
    @given(
        left=st.lists(st.lists(st.tuples(NAMES, MINUTES), max_size=3), max_size=4),
        right=st.lists(st.lists(st.tuples(NAMES, MINUTES), max_size=3), max_size=4),
        complete=st.tuples(st.booleans(), st.booleans()),
        changing=st.booleans(),
        never=st.sets(st.sampled_from("abcdefgh"), max_size=2),
    )
    def test_only_uncovered_absences_are_left_out(
        self, make_item, make_traversal, left, right, complete, changing, never
    ):
        def walk(pages, whole):
            listed = [[_made(make_item, name, minute) for name, minute in page] for page in pages]
            return make_traversal(*listed, prefix=not whole) if listed else Traversal(())

        clock = Clock()
        one, other = clock.walk(walk(left, complete[0])), clock.walk(walk(right, complete[1]))
        timeline = Timeline.of([one, other], never_live=[f"inf_{n}" for n in never])
        timeline = timeline.told(changing)
        sides = (one, one.items, None), (other, other.items, None)
        every = changes.differences(timeline, *sides)
        covered = changes.differences(timeline, *sides, covered_only=True)
        assert all(a in every for a in covered)
        assert all(a.kind == "uncovered" for a in every if a not in covered)


class TestTimelineAdding:
    def test_pages_added_are_sighted_after_the_walks_as_in_one_timeline(
        self, clock, make_traversal, make_item, items
    ):
        """The same sightings in the same order, and the list said changing as it was."""
        walk = clock.walk(walk_of(make_traversal, items, "fedcba"))
        later = clock.walk(make_traversal([{**items["d"], "status": "draft"}, make_item("x")]))
        whole = Timeline.of([walk], later.pages, changing=False)
        base = Timeline.of([walk], changing=False)
        added = base.adding(later.pages)
        for ident in [*"abcdefx", "y"]:
            assert (f"inf_{ident}" in added) == (f"inf_{ident}" in whole)
            assert added.sightings(f"inf_{ident}") == whole.sightings(f"inf_{ident}")
        assert (added.changing, added.moved("inf_d")) == (False, whole.moved("inf_d"))
        assert len(base.sightings("inf_d")) == 1  # the timeline added to is as it was
        assert "inf_x" not in base

    def test_told_keeps_the_sightings(self, clock, make_traversal, items):
        timeline = Timeline.of([clock.walk(walk_of(make_traversal, items, "fed"))])
        told = timeline.told(True)
        assert (told.changing, timeline.changing) == (True, False)
        assert told.sightings("inf_e") == timeline.sightings("inf_e")


LEFT_OUT = object()  # an item without a status
STATUSES = ["ready", "draft", None, LEFT_OUT, 1, True, math.nan, ["ready"]]


class TestTimelineIndex:
    """A timeline keeps its pages and an index, never an object per influencer, and answers as
    when it kept every sighting in a dict by id."""

    @staticmethod
    def pages(make_exchange, first: int, count: int, size: int) -> list[Page]:
        exchange = make_exchange({"items": []})
        return [
            Page(
                exchange,
                n,
                size,
                tuple({"influencerId": f"inf_{n}_{k}"} for k in range(size)),
                None,
            )
            for n in range(first, first + count)
        ]

    @staticmethod
    def kept(pages: list[Page], index: DiskIndex) -> int:
        """The bytes of Python memory a timeline made of `pages` keeps."""
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            timeline = Timeline(pages, index=index)
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert f"inf_{len(pages) - 1}_0" in timeline
        return kept

    def test_on_disk_it_keeps_memory_by_the_page_not_by_the_influencer(
        self, make_exchange, tmp_path
    ):
        """Twice the pages of 50 influencers each: under 100 bytes more per page (an
        influencer's sighting kept as an object would cost more than that alone)."""
        fewer, more = 200, 400
        pages = self.pages(make_exchange, 0, more, 50)
        indexes = DiskIndex.in_folder(tmp_path), DiskIndex.in_folder(tmp_path)
        kept = self.kept(pages[:fewer], indexes[0])  # first: what is made once is in it
        grown = self.kept(pages, indexes[1]) - kept
        assert grown < 100 * (more - fewer)

    @settings(
        suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None
    )
    @given(
        walks=st.lists(
            st.tuples(
                st.integers(0, 9),  # the exchange's number (0: unknown)
                st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(STATUSES)), max_size=4),
            ),
            max_size=6,
        ),
        added=st.integers(0, 6),
        crowded=st.booleans(),
    )
    def test_answers_as_a_dict_of_every_sighting_on_either_index(
        self, make_exchange, tmp_path, walks, added, crowded
    ):
        """Sightings of one influencer on several pages, with statuses (text, none, left out,
        or values no timeline keeps: a number, NaN, a list) and numbers in any order, some
        pages added after; `crowded`: first a page of as many other statuses as a timeline
        keeps. The same answers in memory, on disk and as before."""
        others = [(f"other_{n}", f"status {n}") for n in range(changes.KEPT_STATUSES)]
        pages = [
            Page(
                replace(make_exchange({"items": []}), number=number, answered_at=number),
                n,
                None,
                tuple(
                    {"influencerId": f"inf_{name}"}
                    | ({} if status is LEFT_OUT else {"status": status})
                    for name, status in listed
                ),
                None,
            )
            for n, (number, listed) in enumerate([(1, others)] * crowded + walks)
        ]
        walked, later = pages[: len(pages) - added], pages[len(pages) - added :]
        expected: dict[str, list[Sighting]] = {}
        for page in pages:
            for item in page.items:
                expected.setdefault(item["influencerId"], []).append(Sighting(page.exchange, item))
        timelines = [
            Timeline(walked, index=index).adding(later)
            for index in (MemoryIndex(), DiskIndex.in_folder(tmp_path))
        ]
        asked = [p.exchange for p in pages[:2]] + [make_exchange({"items": []})]
        # Asked of each influencer seen twice, and of each a page added lists (NaN, seen once,
        # is not equal to itself).
        several = {ident for ident, seen in expected.items() if len(seen) > 1}
        several |= {item["influencerId"] for page in later for item in page.items}
        for timeline in timelines:
            assert timeline.any_moved() == any(
                s.status != expected[ident][0].status for ident in several for s in expected[ident]
            )
            for ident in ("inf_a", "inf_b", "inf_c", "inf_d", "inf_e"):
                seen = expected.get(ident, [])
                assert (ident in timeline) == bool(seen)
                assert tuple(timeline.sightings(ident)) == tuple(seen)
                moved = [s for s in seen if s.status != seen[0].status]
                assert timeline.moved(ident) == next(iter(moved), None)
                latest = max(seen, key=lambda s: s.exchange.number) if seen else None
                assert timeline.latest(ident) == latest
                for exchange in asked:
                    for status in (None, "ready", "draft"):
                        matching = [s for s in seen if status in (None, s.status)]
                        other = [s for s in matching if s.exchange is not exchange]
                        after = [s for s in other if exchange.answered_before(s.exchange)]
                        before = [s for s in other if s.exchange.answered_before(exchange)]
                        assert timeline.listed_after(ident, exchange, status) == next(
                            iter(after), None
                        )
                        assert timeline.listed_before(ident, exchange, status) == next(
                            iter(before), None
                        )


class TestWorkingSet:
    """A comparison keeps the ids both walks list in a few bytes each, not as a set of them
    (issue 23: on a large list, 13 MB of sets at the run's peak)."""

    SIZE, PAGE = 20_000, 100

    def walk(self, make_exchange, clock, status: str | None = None) -> Traversal:
        """Of the list (every other influencer ready, the others draft), those of `status`."""
        exchange = make_exchange({"items": []})
        items = [
            {
                "influencerId": f"inf_{n * 7919:026X}",
                "createdAt": f"2026-04-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "status": "ready" if n % 2 else "draft",
            }
            for n in range(self.SIZE, 0, -1)
        ]
        items = [item for item in items if status in (None, item["status"])]
        pages = tuple(
            Page(exchange, n, self.PAGE, tuple(items[start : start + self.PAGE]), f"c{n}")
            for n, start in enumerate(range(0, len(items), self.PAGE), start=1)
        )
        return clock.walk(Traversal(pages))

    def test_two_walks_are_compared_in_a_few_bytes_an_id(self, make_exchange, clock):
        one, two = self.walk(make_exchange, clock), self.walk(make_exchange, clock)
        timeline = Timeline.of([one, two])
        tracemalloc.start()
        try:
            judged = changes.same_sequence(timeline, one, two)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (judged.violations, judged.compared) == ([], self.SIZE)
        assert peak < 3_500_000

    def test_a_walk_and_its_filtered_walks_are_compared_without_copying_them(
        self, make_exchange, clock
    ):
        """Each status's items are read from the walks' own pages: none is written to disk
        again (at 1,000,000 influencers, pages of a fifth of a million, held besides)."""

        class Counted(Bodies):
            written = 0

            def set_aside(self, text: str) -> Stored:
                self.written += len(text)
                return super().set_aside(text)

        with tempfile.TemporaryFile() as file:
            bodies = Counted(file, smallest=0)

            def on_disk(_body: object) -> Exchange:
                return bodies.keep(make_exchange({"items": [{}] * 9}))

            unfiltered = self.walk(on_disk, clock)
            filtered = {s: self.walk(on_disk, clock, s) for s in ("ready", "draft")}
            timeline, before = Timeline.of([unfiltered, *filtered.values()]), bodies.written
            judged = changes.filters_partition(timeline, unfiltered, filtered)
        assert (judged.violations, judged.compared) == ([], self.SIZE)
        assert bodies.written == before
