"""A listing as runs of its pages' items (`checks.listing`)."""

from __future__ import annotations

import tracemalloc

from layers_conformance.checks.listing import Listing, Run, Runs
from layers_conformance.core.exchange import Bodies


def test_runs_of_pages_and_of_held_items_read_back_as_made(
    make_kept_traversal, make_item, tmp_path
):
    """A run of a kept page, one of a page held in memory and one of items held read back
    with their sources and bounds; a listing over them lists their items in order."""
    bodies = Bodies.in_folder(tmp_path / "run")
    try:
        kept = make_kept_traversal(bodies, 2, 3).pages
        alone = (make_item("x"),)
        made = [Run(kept[0], 1, 3), Run(alone, 0, 1), Run(kept[1], 0, 2)]
        runs = Runs(made)
        assert [(r.source, r.start, r.stop) for r in runs] == [
            (r.source, r.start, r.stop) for r in made
        ]
        assert list(runs.lengths()) == [2, 1, 2]
        ids = [item["influencerId"] for item in Listing(made)]
        assert ids == ["inf_k1", "inf_k2", "inf_x", "inf_k3", "inf_k4"]
    finally:
        bodies.close()


def test_a_listing_of_kept_pages_holds_a_row_of_numbers_a_page(make_kept_traversal, tmp_path):
    """Memory flat in the length of a run (issue 23): the truth of a large list is ten
    thousand runs, one a page of the closing walk. Each is a row of numbers (~60 bytes), not
    a run object and a page object (~250)."""
    bodies = Bodies.in_folder(tmp_path / "run")
    try:
        pages = make_kept_traversal(bodies, 2_000, 2).pages
        tracemalloc.start()
        try:
            listing = Listing.of_pages(pages)
            kept, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (len(listing), listing[3_999]["influencerId"]) == (4_000, "inf_k3999")
        assert kept < 2_000 * 100
    finally:
        bodies.close()
