"""The run's observations as one truth: the closing walk, with what it skipped, each once."""

from __future__ import annotations

from layers_conformance.checks import changes
from layers_conformance.checks.changes import Timeline
from layers_conformance.probing.observed import Observed, created_between


def observed(walks, closing, never_live=()):
    timeline = Timeline.of([*walks, closing], never_live=never_live)
    found = [
        a
        for walk in walks
        for a in changes.differences(
            timeline, (walk, walk.items, None), (closing, closing.items, None)
        )
    ]
    return Observed.of({(n, None): w for n, w in enumerate(walks)}, closing, timeline, found)


class TestTruth:
    def test_a_still_list_is_the_closing_walk(self, make_item, make_traversal):
        """Walks that agree: the truth is the closing walk's listing, and still."""
        a, b = make_item("a", 2), make_item("b", 1)
        seen = observed([make_traversal([a, b])], make_traversal([a], [b], limit=1))
        truth = seen.truth()
        assert [i["influencerId"] for i in truth.listing] == ["inf_a", "inf_b"]
        assert truth.still
        assert seen.changes == ()

    def test_one_the_closing_walk_skipped_is_kept_in_its_place(self, make_item, make_traversal):
        """Unnumbered, the closing walk's absence cannot be an archive: it skipped, and the
        influencer stays in the truth, in createdAt order; a repeat is listed once."""
        a, b, c = make_item("a", 3), make_item("b", 2), make_item("c", 1)
        truth = observed([make_traversal([a, b, c])], make_traversal([a, c, c])).truth()
        assert [i["influencerId"] for i in truth.listing] == ["inf_a", "inf_b", "inf_c"]

    def test_archived_by_the_fixtures_is_never_in_it(self, make_item, make_traversal):
        """Wherever it was listed, an archived fixture is no live influencer."""
        a, b = make_item("a", 2), make_item("b", 1)
        truth = observed([make_traversal([a, b])], make_traversal([a, b]), ["inf_b"]).truth()
        assert [i["influencerId"] for i in truth.listing] == ["inf_a"]
        assert "inf_b" not in truth.seen


class TestChangesAfterTheWalks:
    def test_a_first_page_without_the_newest_means_one_was_created(self, make_item, make_traversal):
        """On a still list every unfiltered walk opens on the newest influencer: one that
        opens older was read before it was created."""
        new, a, b = make_item("new", 3), make_item("a", 2), make_item("b", 1)
        walks = {(100, None): make_traversal([new, a, b]), (7, None): make_traversal([a, b])}
        assert created_between(walks, make_traversal([new, a, b]))
        still = {(100, None): make_traversal([new, a, b]), (7, None): make_traversal([new, a])}
        assert not created_between(still, make_traversal([new, a, b]))

    def test_extra_pages_showing_a_creation_make_the_list_changing(
        self, make_item, make_traversal, make_page
    ):
        """A test's own pages, read after the walks, may show an influencer created since:
        the comparison is then one of a list in use."""
        a, b = make_item("a", 2), make_item("b", 1)
        seen = observed([make_traversal([a, b])], make_traversal([a, b]))
        assert not seen.with_pages([make_page([a, b])]).changing
        assert seen.with_pages([make_page([make_item("new", 3), a, b])]).changing
