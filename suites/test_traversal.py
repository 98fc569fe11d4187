"""Order and traversal: newest first, every influencer once, the same at every page size."""

from dataclasses import replace
from itertools import islice

import pytest

from layers_conformance.checks import changes, invariants
from layers_conformance.checks.changes import judged_changes, judged_words
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.probing.observed import observed
from layers_conformance.probing.tails import tails


def _tails_or_inconclusive(conformance, judge):
    """Every violation `judge` finds in the tail of each walk that stopped as a prefix, walked
    at its own page size to the end; inconclusive, after them, where the target left no tail
    to walk. An end further than a tail's few requests reach is said, as a prefix is."""
    found = tails(conformance)
    expect([_said_of(tail, v) for tail in found.made for v in judge(tail)])
    if found.refused:
        inconclusive("the end of the list was not checked " + "; ".join(found.refused))
    if found.unwalked:
        conformance.note("the end of the list was not walked " + "; ".join(found.unwalked))


def _said_of(tail, violation):
    """The violation, its message saying which tail it is of."""
    if violation.message.startswith(tail.label):
        return violation
    return replace(violation, message=f"{tail.label}: {violation.message}")


@pytest.mark.smoke
@pytest.mark.requirement("ORDER-NEWEST-001")
def test_influencers_come_newest_first(conformance):
    """createdAt never increases along any traversal, page boundaries included."""
    traversals = conformance.compared_traversals()
    dated = (
        i for t in traversals for i in t.items if invariants.parse_timestamp(i.get("createdAt"))
    )
    if len(list(islice(dated, 2))) < 2:
        inconclusive("fewer than two items carry a readable createdAt: no order to check")
    expect([v for t in traversals for v in invariants.sorted_newest_first(t)])


@pytest.mark.smoke
@pytest.mark.requirement("TRAV-NODUP-001")
def test_a_traversal_lists_each_influencer_once_and_ends(conformance):
    """No influencer twice, no cursor twice or too long to send back, no answer that is not
    a page, and an end."""
    guards = ("cycle", "not-a-page")  # the page cap is the suite's limit: see expect_end
    traversals = conformance.compared_traversals()
    expect(
        [v for t in traversals for v in invariants.cursors_can_be_sent_back(t)]
        + [
            v
            for t in traversals
            for v in invariants.no_repeated_items(t) + invariants.walk_ended(t, guards)
        ]
    )
    conformance.expect_end(traversals[0])
    _tails_or_inconclusive(
        conformance,
        lambda tail: (
            invariants.no_repeated_items(tail.walked) + invariants.walk_ended(tail.walked, guards)
        ),
    )


@pytest.mark.requirement("TRAV-CONSISTENT-001")
def test_every_page_size_gives_the_same_sequence(conformance):
    """Traversals at the profile's page sizes and the default list the same influencers in order."""
    widest, *others = conformance.compared_traversals()
    # The list may change between two walks: what a change explains is set aside, observed
    # by the closing walk; a walk that skipped an influencer live before and after it fails.
    timeline = observed(conformance).timeline
    judged = [changes.same_sequence(timeline, widest, other) for other in others]
    conformance.note(judged_words(judged, "live in both walks"), judged_changes(judged))
    expect([v for one in judged for v in one.violations])
    if observed(conformance).still:  # a tail is compared with the walk to the end as is
        _tails_or_inconclusive(
            conformance, lambda tail: invariants.same_tail(tail.expected, tail.walked, tail.label)
        )


@pytest.mark.smoke
@pytest.mark.requirement("PAGE-END-001")
def test_the_last_page_says_null(conformance):
    """nextCursor is a non-empty string until the last page, which says null."""
    traversals = conformance.compared_traversals()
    expect(
        [
            v
            for t in traversals
            for v in invariants.last_cursor_is_null(t) + invariants.walk_ended(t, ("empty-cursor",))
        ]
    )
    conformance.expect_end(traversals[0])
    _tails_or_inconclusive(
        conformance,
        lambda tail: (
            invariants.last_cursor_is_null(tail.walked)
            + invariants.walk_ended(tail.walked, ("empty-cursor",))
        ),
    )
