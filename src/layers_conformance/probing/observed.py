"""The list as the run saw it over time: every walk of the plan, then the widest read once more
after them all (the closing walk), as one timeline; the changes they show, and the truth the
query space judges pages by.

The closing walk is what lets a change be observed rather than guessed: an influencer a walk
listed and the closing walk, covering its place, does not, is gone (archived); one newer than
a walk's first item is created; one seen with two statuses moved (`checks.changes`). On a
still list it costs the widest walk's pages once more (two requests for 160 influencers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from itertools import islice, zip_longest
from typing import cast

from layers_conformance.checks import changes, invariants, params
from layers_conformance.checks.changes import Absence, Timeline
from layers_conformance.checks.ids import Hashes
from layers_conformance.checks.listing import Filtered, Listing, Run, once_each
from layers_conformance.checks.queries import Truth
from layers_conformance.checks.violations import Inconclusive
from layers_conformance.core.index import Index, MemoryIndex
from layers_conformance.core.pages import Item, Page, Traversal, item_id
from layers_conformance.core.results import Change
from layers_conformance.probing.probe import Probe

WalkKey = tuple[int | None, str | None]  # a walk's page size and status filter


@dataclass(frozen=True)
class Observed:
    """The walks of one run, the closing walk read after them, and what differs between."""

    walks: dict[WalkKey, Traversal]
    closing: Traversal
    timeline: Timeline
    # Of each walk's influencers from the closing walk, and back: those a change explains;
    # and the ids of the others the truth may take in (not those past the closing walk's
    # reach, nor those it lists: on a large list, tens of thousands of ids it never reads).
    absences: tuple[Absence, ...]
    disputed: frozenset[str]
    # Where the truth keeps each influencer's place: on disk in a run (`Probe.index`).
    new_index: Callable[[], Index] = MemoryIndex

    @classmethod
    def of(
        cls,
        walks: dict[WalkKey, Traversal],
        closing: Traversal,
        timeline: Timeline,
        found: Iterable[Absence],
        new_index: Callable[[], Index] = MemoryIndex,
    ) -> Observed:
        """The observations, keeping of the absences between them what is read after."""
        found = tuple(found)
        allowed = tuple(a for a in found if a.allowed)
        disputed = frozenset(a.ident for a in found if not a.allowed)
        return cls(walks, closing, timeline, allowed, disputed, new_index)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The changes seen between the walks and the closing walk, for the reports."""
        return changes.changes_of(self.absences)

    @property
    def still(self) -> bool:
        """Nothing was seen created, archived or moved."""
        return not self.timeline.changing

    def with_pages(self, pages: Iterable[Page]) -> Timeline:
        """The timeline with these pages too (single requests a check compares): said changing
        when they show a change since the walks (a run outlasts its walks)."""
        pages = tuple(pages)
        timeline = self.timeline.adding(pages)
        if timeline.changing:
            return timeline
        truth = self.truth()
        return timeline.told(any(truth.shows_change(page) for page in pages))

    def truth(self) -> Truth:
        """The main project's listing as the closing walk shows it, with the influencers
        another walk listed where the closing walk, disputed, did not (it is the one that
        skipped), each once, with its status as last seen. Influencers the fixtures say are
        archived are no part of it, wherever they were listed."""
        return self._truth

    @cached_property
    def _truth(self) -> Truth:
        # Made once: the query space, the near misses, the key forms and every page a check
        # adds ask for it, and on a large list it indexes every influencer the walks read.
        never = self.timeline.never_live
        listed = self.new_index()  # every influencer listed: a million ids on a large list
        runs = [*map(Run.whole, self.closing.pages), *self._past_closing()]
        listing = once_each(runs, never, self._latest(), listed)
        for ident in sorted(self.disputed):
            latest = self.timeline.latest(ident)
            if latest is not None and ident not in never and ident not in listed:
                listing = listing.inserting(latest.item)
        seen = _Live(self.timeline)
        complete = self.closing.complete or self._full().complete
        walks = (*self.walks.values(), self.closing)
        until = max((page.exchange.number for walk in walks for page in walk.pages), default=0)
        return Truth(listing, complete, seen, self.still, until, self.new_index)

    def _full(self) -> Traversal:
        widest = max(limit for limit, status in self.walks if limit is not None and not status)
        return self.walks[(widest, None)]

    def _past_closing(self) -> Iterator[Run]:
        """What the walk to the end listed past the closing walk's reach (the closing walk
        re-reads only as far as the other walks went), as runs of its pages."""
        if self.closing.complete or not self.closing.items:
            return
        reach = changes.oldest_of(self.closing)
        if reach is None:
            return
        for page in self._full().pages:
            past = [(invariants.created_at(item) or reach) <= reach for item in page.items]
            for start, stop in _stretches(past):
                yield Run(page, start, stop)

    def _latest(self) -> Callable[[Item], Item]:
        """Each item as last seen: only one seen more than once may have been seen otherwise
        (on a large list, the timeline is asked of some thousands, not of a million)."""
        again = Hashes(self.timeline.several())  # by hash: asking of another costs a query

        def latest(item: Item) -> Item:
            seen = self.timeline.latest(item_id(item)) if item_id(item) in again else None
            return item if seen is None else seen.item

        return latest


def _stretches(marks: list[bool]) -> Iterator[tuple[int, int]]:
    """The (start, stop) of each stretch of marked places, in order."""
    start = None
    for place, marked in enumerate([*marks, False]):
        if marked and start is None:
            start = place
        elif not marked and start is not None:
            yield start, place
            start = None


@dataclass(frozen=True)
class _Live:
    """The influencers a timeline saw live: any it saw but those the fixtures say are
    archived (asked of each influencer a page lists; no set of a million ids is made)."""

    timeline: Timeline

    def __contains__(self, ident: object) -> bool:
        return ident in self.timeline and ident not in self.timeline.never_live


def observed(probe: Probe) -> Observed:
    """The run's observations of the list: every walk of the plan, then the closing walk
    (computed once, by the first test or the warm-up that asks)."""
    walks = plan_walks(probe)
    return cast(Observed, probe.derived.get("observed", lambda: _observe(probe, walks)))


def plan_walks(probe: Probe) -> dict[WalkKey, Traversal]:
    """Every walk of the main project the run makes: each page size unfiltered, each filter."""
    profile = probe.profile
    keys: list[WalkKey] = [(size, None) for size in (*profile.page_sizes, None)]
    keys += [(profile.filter_page_size, status) for status in params.STATUSES]
    return {(limit, status): walked(probe, limit, status) for limit, status in keys}


def walked(probe: Probe, limit: int | None, status: str | None) -> Traversal:
    """The walk, or an empty one when it met no page: no truth, no cursor, but the points that
    need neither (a missing key, an unknown project) are judged all the same."""
    try:
        return probe.traverse(limit, status)
    except Inconclusive:
        return Traversal((), stopped="the walk met no page")


def _observe(probe: Probe, walks: dict[WalkKey, Traversal]) -> Observed:
    widest = max(probe.profile.page_sizes)
    closing = probe.reread(widest, None, _pages_to_cover(walks, widest))
    if not closing.pages:  # no answer the second time: the first is all there is
        closing = walks[(widest, None)]
    never = probe.fixtures.archived_influencer_ids or ()
    return observing(walks, closing, never, probe.index)


def observing(
    walks: dict[WalkKey, Traversal],
    closing: Traversal,
    never_live: Iterable[str] = (),
    new_index: Callable[[], Index] = MemoryIndex,
) -> Observed:
    """The walks and the closing walk read after them, compared: what changed between."""
    widest = max(limit for limit, status in walks if limit is not None and not status)
    seen = Timeline.of([*walks.values(), closing], never_live=never_live, index=new_index())
    # The same request twice, the widest walk and the closing walk: the list changed if they
    # differ, or if some influencer was seen with two statuses.
    again = not _reread_alike(walks[(widest, None)], closing)
    timeline = seen.told(seen.changing or again or created_between(walks, closing))
    found: list[Absence] = []
    past: set[str] = set()
    reach = None if closing.complete else changes.oldest_of(closing)
    closing_places, reread = changes.Places.of(closing), Listing.of_pages(closing.pages)
    for (_, status), walk in walks.items():
        # Views over the walks' pages, read as they are compared: as lists they held each
        # compared item twice over (80 MB when the closing walk re-reads 100,000).
        theirs = Filtered(reread, status)
        mine = Filtered(Listing.of_pages(walk.pages), status, lambda i: _within(i, reach))
        sides = (walk, mine, status), (closing, theirs, None)
        found += changes.differences(timeline, *sides, covered_only=True)
        # Of the absences past a reach, left out above, the truth takes in those of the
        # closing walk's (it says nothing of them, and another walk listed them): the few
        # at its last instant, or all when it listed nothing.
        beyond = {item_id(i) for i in mine if closing_places.past_reach(invariants.created_at(i))}
        if beyond:
            past |= beyond - {item_id(i) for i in reread if item_id(i) in beyond}
    observed = Observed.of(walks, closing, timeline, found, new_index)
    return replace(observed, disputed=observed.disputed | frozenset(past))


def _reread_alike(walk: Traversal, closing: Traversal) -> bool:
    """Whether the closing walk lists the ids the walk lists, in order, as far as it re-read
    (to the end, if it did): id by id, never the walk to the end's million ids at once."""
    listed = (item_id(item) for item in walk.items)
    first = listed if closing.complete else islice(listed, sum(p.size for p in closing.pages))
    reread = (item_id(item) for item in closing.items)
    return all(one == other for one, other in zip_longest(first, reread))


def created_between(walks: dict[WalkKey, Traversal], closing: Traversal) -> bool:
    """Whether an unfiltered walk's first page lacks an influencer newer than all it lists
    that another walk lists: created between them (on a still list every unfiltered walk
    opens on the newest influencers)."""
    unfiltered = [walk for (_, status), walk in walks.items() if status is None]
    firsts = [walk.pages[0] for walk in (*unfiltered, closing) if walk.pages]
    newest = max(
        filter(None, (invariants.created_at(p.items[0]) for p in firsts if p.items)), default=None
    )
    return newest is not None and any(
        (invariants.created_at(page.items[0]) or newest) < newest for page in firsts if page.items
    )


def _within(item: Item, reach: datetime | None) -> bool:
    """Not older than the closing walk's reach (None: it read to the end)."""
    return reach is None or (invariants.created_at(item) or reach) >= reach


def _pages_to_cover(walks: dict[WalkKey, Traversal], widest: int) -> int:
    """Pages of the widest size the closing walk needs: as far as the other walks reached
    (their oldest influencer's place in the walk to the end), and one page beyond for the
    changes meanwhile. On a large list the other walks are prefixes, and reading the whole
    list twice would take as many requests again as the walk to the end."""
    full = walks[(widest, None)]
    others = [walk for key, walk in walks.items() if key != (widest, None)]
    if any(walk.complete for walk in others) or not full.items:
        return len(full.pages) + 1
    reached = [changes.oldest_of(walk) for walk in others]
    oldest = min(filter(None, reached), default=None)
    if oldest is None:
        return len(full.pages) + 1
    place = sum(1 for item in full.items if (invariants.created_at(item) or oldest) >= oldest)
    return place // widest + 2
