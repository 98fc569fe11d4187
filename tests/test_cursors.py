"""The cursor book: real cursors by the filter and limit they were made under, and spoiled ones."""

from __future__ import annotations

import tracemalloc

import pytest

from layers_conformance.checks import params
from layers_conformance.checks.cursors import CursorBook
from layers_conformance.checks.space import Point
from layers_conformance.core.exchange import Bodies
from layers_conformance.core.pages import Traversal, read_page


@pytest.fixture
def book(make_item, make_page, make_traversal):
    asked = []

    def first_page(status, limit):
        asked.append((status, limit))
        return make_page([make_item(f"{status}{limit}")], next_cursor=f"first-{status}-{limit}")

    book = CursorBook(first_page)
    book.learn(None, 7, make_traversal([make_item("a", 9)], [make_item("b", 8)], limit=7))
    book.learn("ready", 7, make_traversal([make_item("r", 5)], [make_item("s", 4)], limit=7))
    book.asked = asked
    return book


def point(cursor, limit="7", status=None, project="main"):
    return Point(project, limit, status, cursor, "full")


class TestCursorBook:
    def test_learns_each_pages_own_cursor_and_last_item(self, book):
        """A walk's cursors are kept with the item each comes after (the last page has none)."""
        [issued] = book.under(None, 7)
        assert (issued.text, issued.status, issued.limit) == ("c1", None, 7)
        assert issued.after["influencerId"] == "inf_a"
        assert book.asked == []

    def test_a_walks_cursors_cost_a_row_of_numbers_each(self, make_exchange, make_item, tmp_path):
        """Memory flat in the length of a run (issue 23): the book holds every cursor the
        walks met, one a page; each is made into an `Issued` when read, and the page it
        comes from is a row of numbers (`Pages`), not a page object (~200 bytes)."""
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            rows = []
            for n in range(2_001):
                item = make_item(str(n), n % 60)  # twice: a body of one stays in memory
                body = {"items": [item, item], "nextCursor": f"c{n + 1}"}
                rows.append(read_page(bodies.keep(make_exchange(body)), n + 1, 1))
            walk = Traversal(rows)
            del rows
            book = CursorBook(lambda status, limit: None)
            tracemalloc.start()
            try:
                book.learn(None, 1, walk)
                kept, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            cursors = book.under(None, 1)
            assert (len(cursors), cursors[1_999].text, cursors[-1].text) == (
                2_001,
                "c2000",
                "c2001",
            )
            assert cursors[0].after == walk.pages[0].items[-1]
            assert kept < 2_001 * 40
        finally:
            bodies.close()

    def test_a_cursor_for_this_query_is_one_made_under_it(self, book):
        """Known from the walk at limit 7, or the first page's when no walk met one."""
        assert book.case(point("this-query"), 0).cursor == "c1"
        case = book.case(point("this-query", limit="30", status="draft"), 0)
        assert case.cursor == "first-draft-30"
        assert book.asked == [("draft", 30)]

    def test_another_status_or_limit_is_another(self, book):
        """A cursor of another filter, or of the same filter at another limit."""
        other_status = book.case(point("other-status", status="ready"), 0)
        assert other_status.issued.status != "ready"
        other_limit = book.case(point("other-limit", status="ready"), 0)
        assert (other_limit.issued.status, other_limit.issued.limit) == ("ready", 1)

    def test_spoiled_and_made_up_cursors(self, book):
        """Altered and truncated cursors come from this query's; garbage from the list."""
        altered = book.case(point("altered"), 0)
        assert altered.cursor in params.altered("c1")
        assert altered.issued.text == "c1"
        assert book.case(point("truncated"), 0).cursor == params.truncated("c1")
        assert book.case(point("garbage"), 1).cursor == params.GARBAGE_CURSORS[1]
        assert book.case(point("none"), 0).cursor is None

    def test_another_projects_cursor_is_this_querys_sent_elsewhere(self, book):
        """The most convincing cursor to send to another project: one made for the same query."""
        case = book.case(point("other-org", project="foreign"), 0)
        assert case.cursor == "c1"

    def test_a_spoiled_cursor_of_a_query_without_one_is_made_from_another(self, book):
        """limit=100 under `ready` hands out no cursor: a walk's of the same filter is spoiled."""
        book.first_page = lambda status, limit: None
        case = book.case(point("truncated", limit="100", status="ready"), 0)
        assert case.issued.status == "ready"
        assert case.cursor == params.truncated(case.issued.text)

    def test_no_cursor_when_the_target_hands_out_none(self, make_item, make_page):
        """A first page without nextCursor leaves the point without a case."""
        book = CursorBook(lambda status, limit: make_page([make_item("a")], next_cursor=None))
        assert book.case(point("this-query"), 0) is None
