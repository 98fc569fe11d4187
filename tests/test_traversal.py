"""walk(): cursors followed through an injected fetch, and every guard that ends a walk."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from layers_conformance.core.exchange import Bodies, Exchange, Stored
from layers_conformance.core.pages import PAGES_READ_BACK, Page, Pages, read_page
from layers_conformance.probing.traversal import walk


class Server:
    """A scripted fetch: answers in order, recording the cursors it was asked with."""

    def __init__(self, make_exchange, answers):
        self.make_exchange = make_exchange
        self.answers = list(answers)
        self.asked = []

    def __call__(self, cursor):
        self.asked.append(cursor)
        if len(self.asked) > 50:
            pytest.fail("the walk did not stop")
        answer = self.answers[min(len(self.asked), len(self.answers)) - 1]
        if isinstance(answer, int):
            return self.make_exchange(text="Internal Server Error", status=answer)
        items, cursor_out = answer
        return self.make_exchange({"items": items, "nextCursor": cursor_out})


@pytest.fixture
def script(make_exchange):
    return lambda *answers: Server(make_exchange, answers)


class TestWalk:
    def test_follows_cursors_to_null(self, script, make_item):
        """A walk asks for the first page, then each nextCursor, and ends on null."""
        fetch = script(([make_item("a", 3)], "c1"), ([make_item("b", 2)], "c2"), ([], None))
        seen = []
        walked = walk(fetch, limit=1, max_pages=10, on_page=seen.append)
        assert fetch.asked == [None, "c1", "c2"]
        assert walked.complete
        assert walked.ids == ["inf_a", "inf_b"]
        assert [page.number for page in walked.pages] == [1, 2, 3]
        assert {page.limit for page in walked.pages} == {1}
        assert seen == list(walked.pages)

    def test_a_repeated_cursor_is_a_cycle(self, script, make_item):
        """A cursor met before ends the walk as a cycle instead of looping for ever."""
        fetch = script(([make_item("a", 3)], "c1"), ([make_item("b", 2)], "c2"), ([], "c1"))
        walked = walk(fetch, limit=None, max_pages=1000)
        assert walked.stop_kind == "cycle"
        assert walked.stopped == "page 3 repeats an earlier nextCursor"
        assert not walked.complete
        assert fetch.asked == [None, "c1", "c2"]

    def test_a_page_that_repeats_its_own_cursor_is_a_cycle(self, script, make_item):
        """A server answering every request with the same cursor is stopped at page 2."""
        fetch = script(([make_item("a")], "same"))
        walked = walk(fetch, limit=None, max_pages=1000)
        assert (walked.stop_kind, len(walked.pages)) == ("cycle", 2)

    def test_its_share_of_pages_makes_a_walk_a_prefix(self, make_exchange, make_item):
        """Fresh cursors for ever: after `max_pages` pages (its share of the budget) the walk
        stops on purpose, as a prefix; no guard tripped, so nothing is held against the server."""
        asked = []

        def fetch(cursor):
            asked.append(cursor)
            return make_exchange({"items": [make_item("a")], "nextCursor": f"c{len(asked)}"})

        walked = walk(fetch, limit=None, max_pages=4)
        assert (walked.prefix, walked.stop_kind, walked.stopped) == (True, None, "")
        assert not walked.cut_by_guard
        assert len(asked) == 4

    def test_an_empty_string_cursor_ends_the_walk(self, script, make_item):
        """ "" as a nextCursor is neither a cursor to follow nor null."""
        fetch = script(([make_item("a")], ""))
        walked = walk(fetch, limit=None, max_pages=10)
        assert (walked.stop_kind, walked.stopped) == (
            "empty-cursor",
            "page 1 has an empty nextCursor",
        )
        assert fetch.asked == [None]

    def test_a_non_page_midway_is_recorded(self, script, make_item):
        """A 500 on page 2 ends the walk with the page before it and the failed exchange."""
        fetch = script(([make_item("a")], "c1"), 500)
        walked = walk(fetch, limit=None, max_pages=10)
        assert walked.stop_kind == "not-a-page"
        assert walked.stopped.startswith("page 2 is not a page: GET ")
        assert walked.stopped.endswith("-> HTTP 500")
        assert len(walked.pages) == 1
        assert walked.failed_exchange is not None
        assert walked.failed_exchange.status == 500
        assert walked.exchanges[-1] is walked.failed_exchange

    def test_max_items_stops_at_a_prefix(self, script, make_item):
        """Once `max_items` items are in hand the walk stops on purpose, as a prefix."""
        pages = [([make_item(f"i{n}", 50 - n)], f"c{n}") for n in range(10)]
        fetch = script(*pages)
        walked = walk(fetch, limit=1, max_pages=100, max_items=3)
        assert (walked.prefix, walked.stopped, walked.stop_kind) == (True, "", None)
        assert not walked.complete
        assert walked.ids == ["inf_i0", "inf_i1", "inf_i2"]

    def test_null_wins_over_max_items(self, script, make_item):
        """A walk that reaches null with exactly `max_items` is complete, not a prefix."""
        walked = walk(script(([make_item("a")], None)), limit=None, max_pages=5, max_items=1)
        assert walked.complete

    def test_empty_pages_that_keep_handing_out_cursors_end_the_walk(self, script, make_item):
        """Fresh cursors on empty pages would spend a whole budget; a short run of them stops."""
        empty = [([], f"e{n}") for n in range(20)]
        fetch = script(([make_item("a", 3)], "c1"), *empty)
        walked = walk(fetch, limit=None, max_pages=1000)
        assert walked.stop_kind == "empty-pages"
        assert walked.cut_by_guard
        assert "empty pages in a row" in walked.stopped
        assert len(fetch.asked) == 4

    def test_no_answer_midway_ends_the_walk_as_a_gap(self, make_exchange, make_item):
        """A page that got no answer ends the walk; what came before is kept, and the stop is
        the suite's, not evidence against the server."""
        answers = iter(
            [
                make_exchange({"items": [make_item("a", 3)], "nextCursor": "c1"}),
                Exchange("GET", "https://api.test/x", {}, error="read timed out after 10 s"),
            ]
        )
        walked = walk(lambda _cursor: next(answers), limit=None, max_pages=10)
        assert walked.stop_kind == "no-answer"
        assert walked.cut_by_guard
        assert walked.stopped.startswith("no answer to page 2: GET ")
        assert walked.ids == ["inf_a"]

    def test_a_body_cut_short_is_no_answer(self, make_exchange):
        """A 200 whose body stopped at a timeout is no answer either."""
        cut = replace(make_exchange({"items": []}), cut_short=True, error="read timed out")
        assert walk(lambda _cursor: cut, limit=None, max_pages=10).stop_kind == "no-answer"

    def test_a_single_trailing_empty_page_is_a_normal_end(self, script, make_item):
        """The documented room: a full last page may lead to one empty page saying null."""
        fetch = script(([make_item("a", 3)], "c1"), ([], None))
        assert walk(fetch, limit=1, max_pages=10).complete


class TestReadPage:
    """A page keeps of each item what walks are compared by; its body keeps the rest."""

    def test_items_keep_the_compared_fields_as_sent(self, make_exchange, make_item):
        odd = {"influencerId": 7, "status": None, "name": "no createdAt"}
        exchange = make_exchange({"items": [make_item("a", 3), odd, "text"], "nextCursor": None})
        page = read_page(exchange, 1, 25)
        assert page is not None
        assert page.items == (
            {"influencerId": "inf_a", "createdAt": "2026-04-01T14:03:00Z", "status": "ready"},
            {"influencerId": 7, "status": None},
            {"_raw": "text"},
        )
        assert exchange.json()["items"][0] == make_item("a", 3)

    def test_a_page_whose_body_is_on_disk_keeps_its_items_there(
        self, make_exchange, make_item, tmp_path
    ):
        """Memory flat in a walk's length (issue 23): a page of 100 influencers read from a
        body on disk keeps a few numbers of them, not a dict each (about 35 KB), and reads
        them back equal to the page read in memory, as often as asked."""
        items = [make_item(f"i{n:03d}", n % 60) for n in range(100)]
        body = {"items": items, "nextCursor": "c1"}
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            stored = bodies.keep(make_exchange(body))
            read_page(stored, 1, 100)  # the parser's and the file's first buffers
            tracemalloc.start()
            try:  # what grows with the walk: past the few pages kept parsed (PAGES_READ_BACK)
                pages = [read_page(stored, 1, 100) for _ in range(100)]
                some, _ = tracemalloc.get_traced_memory()
                pages += [read_page(stored, 1, 100) for _ in range(400)]
                kept, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            in_memory = read_page(make_exchange(body), 1, 100)
            assert in_memory is not None
            assert all(page is not None for page in pages)
            assert (kept - some) / 400 < 600  # CPython 3.11: ~220 bytes each
            assert pages[0].items == pages[0].items == in_memory.items
            assert (pages[0].size, pages[0].ids) == (100, in_memory.ids)
        finally:
            bodies.close()

    @pytest.mark.parametrize("cursor", ['c"\\\ud800,[1]', None, ""])
    def test_a_kept_pages_cursor_and_exchange_read_back_without_its_items(
        self, make_exchange, make_item, tmp_path, cursor
    ):
        """Read back from disk (its parts no longer among the last pages parsed), a page's
        cursor (quotes, a backslash, a lone surrogate, brackets; null; empty) and exchange
        are what it was made with, read without its items; its items too."""
        body = {"items": [make_item("a", 3)], "nextCursor": cursor}
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            page = read_page(bodies.keep(replace(make_exchange(body), number=7)), 1, 1)
            others = {"items": [make_item("b", 2)], "nextCursor": "x"}
            for _ in range(PAGES_READ_BACK):
                read_page(bodies.keep(make_exchange(others)), 1, 1)
            assert page is not None
            assert (page.next_cursor, page.exchange.number) == (cursor, 7)
            assert page.ids == ["inf_a"]
        finally:
            bodies.close()

    def test_a_page_of_a_kept_exchange_holds_where_it_is_not_the_exchange(
        self, make_exchange, make_item, tmp_path
    ):
        """Memory flat in the length of a run (issue 23): a long run reads twenty thousand
        pages, each answer with its own headers (a date, a length) and numbers; a page holds
        where its exchange is on disk (~650 bytes less each) and reads it back when asked."""
        body = {"items": [make_item(f"i{n:03d}", n % 60) for n in range(10)], "nextCursor": None}
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            bodies.keep(make_exchange(body))  # the file's first buffers
            tracemalloc.start()
            try:  # what grows with the walk: past the few pages kept parsed (PAGES_READ_BACK)
                pages, some = [], 0
                for n in range(600):
                    given = {"date": f"Mon, 07 Dec 2026 17:{n // 60:02d}:{n % 60:02d} GMT"}
                    answer = replace(make_exchange(body), response_headers=given, number=n + 300)
                    pages.append(read_page(bodies.keep(answer), 1, 10))
                    if n == 99:
                        some, _ = tracemalloc.get_traced_memory()
                del answer
                kept, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert all(page is not None for page in pages)
            assert (kept - some) / 500 < 400  # CPython 3.11: ~205 bytes; ~1,100 holding exchanges
            assert [page.exchange.number for page in pages[:2]] == [300, 301]
            assert pages[1].exchange.response_headers["date"].endswith("17:00:01 GMT")
        finally:
            bodies.close()


class TestPages:
    def test_a_kept_page_made_again_is_the_page_met_while_it_is_held(
        self, make_kept_traversal, tmp_path
    ):
        """A kept page is a row of numbers (`Pages`), made again when asked; while anything
        holds it, `is` says the same of it as of the page the walk met (a comparison finds
        the page an influencer was skipped on among a walk's pages by it)."""
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            walk = make_kept_traversal(bodies, 3, 2)
            met = walk.pages[1]
            assert walk.pages[1] is met
            assert [page is met for page in walk.pages] == [False, True, False]
            assert [page.ids for page in walk.pages] == [
                ["inf_k0", "inf_k1"],
                ["inf_k2", "inf_k3"],
                ["inf_k4", "inf_k5"],
            ]
            assert [(page.number, page.limit, page.size) for page in walk.pages[1:]] == [
                (2, 2, 2),
                (3, 2, 2),
            ]
        finally:
            bodies.close()

    @pytest.mark.parametrize(
        ("number", "limit", "offset"),
        [(1, -1, 0), (1, 2**31, 0), (2**31, 7, 0), (1, 7, 2**41)],
        ids=["limit -1", "limit past a column", "number past a column", "record past 128 bits"],
    )
    def test_a_page_no_row_holds_is_held_as_it_is(
        self, make_exchange, make_item, tmp_path, number, limit, offset
    ):
        """A limit of -1 (a case out of range: not None), a number past what a column
        holds, or a record's place past 128 bits: the page is held itself and reads back
        as it was, never as another."""
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            body = {"items": [make_item("a"), make_item("b")], "nextCursor": None}
            page = read_page(bodies.keep(make_exchange(body)), number, limit)
            assert page is not None
            if offset:  # the same page, as if its record were that far into the file
                page = Page._of_record(Stored(bodies, offset, 1, 1), number, limit, page.size)
            pages = Pages([page])
            del page  # no longer met elsewhere: read back from what `pages` holds
            assert (pages[0].limit, pages[0].number) == (limit, number)
            if not offset:  # (a record that far into the file is not there to read)
                assert pages[0].ids == ["inf_a", "inf_b"]
        finally:
            bodies.close()
