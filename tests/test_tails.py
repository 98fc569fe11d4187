"""The tail of the list at a small page size: placed from a cursor near the end, walked to it."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from layers_conformance.core.exchange import Bodies, Exchange
from layers_conformance.core.index import MemoryIndex
from layers_conformance.probing import tails


@pytest.fixture(autouse=True)
def _built(make_item, make_traversal):
    """The listing the model pages: 40 influencers, newest first, built by tests/conftest.py."""
    global LISTING, traversal
    LISTING = tuple(make_item(f"i{n:03d}", 59 - n) for n in range(40))
    traversal = make_traversal


VALIDATION = {"error": {"code": "VALIDATION", "message": "no", "requestId": "req_1"}}


class Model:
    """A target paging LISTING with cursors `at:<index of the next item>`; `loop_below` makes
    its last page at small sizes hand out a cursor to itself; `refuse` answers VALIDATION to
    a cursor at another size than 7 (the size the walks were made at)."""

    def __init__(self, loop_below: int = 0, refuse: bool = False) -> None:
        self.loop_below, self.refuse, self.asked = loop_below, refuse, []

    def get(self, params):
        asked = dict(params)
        self.asked.append(asked)
        limit, start = int(asked.get("limit", 25)), int(asked["cursor"].removeprefix("at:"))
        if self.refuse and limit != 7:
            return _answer(VALIDATION, 400)
        rows = LISTING[start : start + limit]
        more = start + limit < len(LISTING)
        cursor = f"at:{start + limit}" if more else None
        if not more and limit < self.loop_below:
            cursor = f"at:{start}"
        return _answer({"items": list(rows), "nextCursor": cursor}, 200)


def _answer(body, status):
    return Exchange(
        "GET", "http://t/x", {}, status, {"content-type": "application/json"}, json.dumps(body)
    )


def _ids(items):
    return [item["influencerId"] for item in items]


def _listing():
    """LISTING as the walk to the end lists it, one page."""
    return tails._Filtered(traversal(list(LISTING)), None, MemoryIndex())


def _walks():
    """A walk at 7 that reached the end: its pages' cursors are the ones to start from."""
    pages = [list(LISTING[n : n + 7]) for n in range(0, len(LISTING), 7)]
    walked = traversal(*pages, limit=7)
    fixed = [
        p.__class__(
            p.exchange,
            p.number,
            p.limit,
            p.items,
            f"at:{7 * p.number}" if p.number < len(pages) else None,
        )
        for p in walked.pages
    ]
    return [walked.__class__(tuple(fixed))]


def test_the_tail_at_limit_1_is_placed_near_the_end_and_reaches_it():
    """Three influencers before the end, walked one a page: the rest of the list, ended."""
    model = Model()
    tail = tails._tail(model, 1, None, _walks(), _listing())
    assert isinstance(tail, tails.Tail)
    assert tail.walked.complete
    assert [i["influencerId"] for i in tail.walked.items] == [
        i["influencerId"] for i in LISTING[-3:]
    ]
    assert _ids(tail.expected) == _ids(LISTING[-3:])
    assert len(model.asked) <= 6


def test_a_loop_at_the_end_stops_the_tail_as_a_cycle():
    """The last page handing out a cursor to itself is met as a repeated cursor."""
    tail = tails._tail(Model(loop_below=3), 1, None, _walks(), _listing())
    assert isinstance(tail, tails.Tail)
    assert tail.walked.stop_kind == "cycle"


def test_a_target_refusing_a_cursor_at_another_size_leaves_a_reason():
    """VALIDATION for a cursor at another page size is allowed: no tail, and why."""
    reason = tails._tail(Model(refuse=True), 1, None, _walks(), _listing())
    assert isinstance(reason, str)
    assert "limit=1" in reason


def test_a_filtered_tail_sends_its_filter_on_every_page():
    """Under a status filter, the pages that move the cursor and the tail's pages all carry it."""
    model = Model()
    tail = tails._tail(model, 1, "ready", _walks(), _listing())
    assert isinstance(tail, tails.Tail)
    assert "status=ready" in tail.label
    assert all(asked.get("status") == "ready" for asked in model.asked)


def test_with_no_cursor_two_pages_from_the_end_the_nearest_one_still_ends_the_list():
    """A cursor 9 influencers from the end, at limit 7 (which wants 15): its tail, 2 pages."""
    walked = traversal(list(LISTING[:31]), limit=31)
    page = walked.pages[0]
    cut = walked.__class__(
        (page.__class__(page.exchange, 1, 31, page.items, "at:31"),), prefix=True
    )
    tail = tails._tail(Model(), 7, None, [cut], _listing())
    assert isinstance(tail, tails.Tail)
    assert tail.walked.complete
    assert len(tail.walked.pages) == 2
    assert _ids(tail.expected) == _ids(LISTING[31:])


def test_an_end_further_than_a_tails_few_requests_is_unwalked_not_walked_page_by_page():
    """A cursor 5 influencers into a list of 1,000, at limit 1: eight moves of 100 leave
    about 195, so no tail is walked one a page; the reason says how many remain."""
    global LISTING
    LISTING = tuple(LISTING[0].__class__(LISTING[0], influencerId=f"inf_{n}") for n in range(1000))
    cut = traversal(list(LISTING[:5]), limit=5)
    page = cut.pages[0]
    start = cut.__class__((page.__class__(page.exchange, 1, 5, page.items, "at:5"),), prefix=True)
    model = Model()
    found = tails._tail(model, 1, None, [start], _listing())
    assert isinstance(found, tails.Unwalked)
    assert "remain after the nearest cursor" in found.reason
    assert len(model.asked) == tails.MOVES


def test_the_closest_cursor_is_found_without_holding_every_pages_cursor(
    make_kept_traversal, tmp_path
):
    """Memory flat in the length of a run (issue 23): the walks of a large list met twenty
    thousand cursors. The nearest one is found reading each page's cursor and last item
    alone, keeping the best two; keeping each candidate held ~0.5 kB a page."""
    bodies = Bodies.in_folder(tmp_path / "run")
    try:
        walk = make_kept_traversal(bodies, 800, 7)
        listing = tails._Filtered(walk, None, MemoryIndex())
        tails._closest([walk], listing, 15)  # warm: the first read of the file's pages
        tracemalloc.start()
        try:
            start = tails._closest([walk], listing, 15)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert start is not None
        assert (start[0], start[2]) == ("at:5579", 5578)  # 21 after it: the fewest of 15 or more
        assert peak < 64_000
    finally:
        bodies.close()
