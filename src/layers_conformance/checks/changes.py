"""What the list did while the run looked at it, and what that allows two observations to differ.

A list in use changes between two requests: influencers are created (newest first, so at the
head), archived (gone) or moved to another status (in or out of a filter). Nothing here reads
a clock of the suite's: a change is decided from what the server showed, in the order the
client sent its requests (`Exchange.number`, `Exchange.answered_at`), and `createdAt` is the
server's own clock.

Where one observation lists an influencer and another, covering its place, does not, the one
that does not is judged (`absence`): the influencer was created after it began (newer than its
first item, and listed by nothing before), moved (seen with another status), archived (listed by
nothing after it), or skipped: listed, matching, both before and after it. Only a skip is a
fault, and it is the lacking observation's: the right page that listed the influencer is
never blamed for it. On a still list nothing is created, moved or archived, so every difference
is judged as strictly as before.
"""

from __future__ import annotations

import copy
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Literal

from layers_conformance.checks import invariants
from layers_conformance.checks.ids import CommonIds
from layers_conformance.checks.invariants import created_at
from layers_conformance.checks.listing import Filtered, Listing
from layers_conformance.checks.violations import Violation
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.index import Index, MemoryIndex
from layers_conformance.core.pages import Item, Page, Pages, Traversal, item_id
from layers_conformance.core.results import Change

# Requirements whose tests put two observations side by side: a finding there may follow from
# a root another requirement names (a walk that skips, repeats or breaks its filter), so a
# report lists them after the requirements judged on one observation by itself.
COMPARING = frozenset(
    {
        "TRAV-CONSISTENT-001",
        "STATUS-PARTITION-001",
        "ARCH-NOFLAG-001",
        "LIMIT-SIZE-001",
        "LIMIT-DEFAULT-001",
        "QUERY-VALIDATION-001",
        "PROJ-SCOPE-001",
    }
)
Kind = Literal["created", "archived", "moved", "skipped", "unexplained", "uncovered"]
ALLOWED: tuple[Kind, ...] = ("created", "archived", "moved")


@dataclass(frozen=True, slots=True)  # made when asked for: a `Timeline` keeps none
class Sighting:
    """One influencer as one answer listed it."""

    exchange: Exchange
    item: Item

    @property
    def ident(self) -> str:
        return item_id(self.item)

    @property
    def status(self) -> object:
        return self.item.get("status")

    @property
    def created(self) -> datetime | None:
        return created_at(self.item)


@dataclass(frozen=True)
class Absence:
    """Why an influencer is not on an observation that covers its place."""

    kind: Kind
    ident: str
    created: datetime | None
    lacking: Page | None  # the page that would hold it
    witness: Sighting | None  # a listing that shows the change or the skip

    @property
    def allowed(self) -> bool:
        return self.kind in ALLOWED

    def change(self) -> Change:
        details = {
            "created": "created after the walk began: newer than its first item",
            "archived": "listed before, and by nothing after",
            "moved": "seen with another status",
        }
        shown = [_request(page.exchange) for page in (self.lacking,) if page is not None]
        shown += [_request(self.witness.exchange)] if self.witness is not None else []
        return Change(self.kind, self.ident, details.get(self.kind, self.kind), tuple(shown))


class Timeline:
    """Every influencer the run saw, each sighting with the answer that showed it; and those
    the fixtures say are archived (`never_live`): no change explains a listing of them.

    It keeps the pages it was made of and an index from each id to where they list it
    (`index`: on disk in a run, in memory by default), never an object per influencer: a
    thorough run on a large list sees a million. A `Sighting` is made when asked for.
    """

    def __init__(
        self,
        pages: Iterable[Page],
        never_live: Iterable[str] = (),
        changing: bool | None = None,
        *,
        index: Index | None = None,
    ) -> None:
        self.never_live = frozenset(never_live)
        self._walks = _Listings(MemoryIndex() if index is None else index, pages)
        # Pages added after (`adding`), a check's few: the walks' index is shared, never
        # written to again.
        self._more = _Listings(MemoryIndex(), ())
        # Whether the list was seen changing (a move; or, told by the caller, an influencer
        # created): on a list never seen changing, the order of requests excuses nothing.
        self.changing = self.any_moved() if changing is None else changing

    @classmethod
    def of(
        cls,
        traversals: Iterable[Traversal],
        pages: Iterable[Page] = (),
        never_live: Iterable[str] = (),
        changing: bool | None = None,
        *,
        index: Index | None = None,
    ) -> Timeline:
        walked = (p for t in traversals for p in t.pages)
        return cls(chain(walked, pages), never_live, changing, index=index)

    def told(self, changing: bool) -> Timeline:
        """The same sightings, the list said changing or not (by what the caller saw)."""
        same = copy.copy(self)
        same.changing = changing
        return same

    def adding(self, pages: Iterable[Page]) -> Timeline:
        """These sightings, then those of `pages`: as if made of both, without indexing again
        the sightings of every walk (200,000 on a large list)."""
        both = copy.copy(self)
        both._more = _Listings(MemoryIndex(), (*self._more.pages, *pages))
        return both

    def __contains__(self, ident: object) -> bool:
        return ident in self._walks.index or ident in self._more.index

    def sightings(self, ident: str) -> Sequence[Sighting]:
        return tuple(place.sighting() for place in self._places(ident))

    def any_moved(self) -> bool:
        """Some influencer was seen with two statuses (one seen once has not)."""
        return any(self.moved(ident) is not None for ident in self.several())

    def several(self) -> Iterator[str]:
        """The influencers that may have been seen more than once (none seen once is): on a
        large list the few the walks share, where a question per influencer would be slow."""
        return chain(self._walks.index.several(), self._more.ids())

    def moved(self, ident: str) -> Sighting | None:
        """A sighting with another status than the first one, if any."""
        places = self._places(ident)
        first = places[0].status if places else None
        return next((p.sighting() for p in places if p.status != first), None)

    def latest(self, ident: str) -> Sighting | None:
        """The sighting answered last (by the client's count), if any."""
        places = self._places(ident)
        return max(places, key=lambda p: p.page.exchange.number).sighting() if places else None

    def listed_after(self, ident: str, exchange: Exchange, status: str | None) -> Sighting | None:
        """A listing (with `status`, unless None) sent after `exchange` was answered."""
        return self._find(ident, status, lambda other: other is not exchange and
                          exchange.answered_before(other))  # fmt: skip

    def listed_before(self, ident: str, exchange: Exchange, status: str | None) -> Sighting | None:
        """A listing (with `status`, unless None) answered before `exchange` was sent."""
        return self._find(ident, status, lambda other: other is not exchange and
                          other.answered_before(exchange))  # fmt: skip

    def _find(
        self, ident: str, status: str | None, when: Callable[[Exchange], bool]
    ) -> Sighting | None:
        places = self._places(ident)
        return next(
            (p.sighting() for p in places if when(p.page.exchange) and status in (None, p.status)),
            None,
        )

    def _places(self, ident: str) -> list[_Place]:
        return [*self._walks.places(ident), *self._more.places(ident)]


# Statuses a listing keeps beside each place in its index, numbered from 1 (0: a status it
# does not keep, read from the item): a list has a few, and whether an influencer moved is
# then answered without reading pages back from disk (on a large list, 50,000 are seen twice).
KEPT_STATUSES = 15
_CODES = KEPT_STATUSES + 1  # a place in the index: its item's number * _CODES + its status's
_UNKEPT = object()


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a listing shows an influencer: the page, the item's position on it, and the
    item's status when the listing kept it."""

    page: Page
    position: int
    kept_status: object

    @property
    def status(self) -> object:
        if self.kept_status is _UNKEPT:
            return self.page.items[self.position].get("status")
        return self.kept_status

    def sighting(self) -> Sighting:
        return Sighting(self.page.exchange, self.page.items[self.position])


class _Listings:
    """Pages, and an index from each influencer id to the places that list it: each place the
    number of its item counted across the pages, and its status, so that a page costs a list
    entry and an influencer nothing in memory."""

    def __init__(self, index: Index, pages: Iterable[Page]) -> None:
        self.index = index
        self.pages = Pages()  # those with items, in the order read
        self._starts = array("q")  # the number of each one's first item
        self._count = 0
        self._statuses: list[str | None] = []  # those kept: the status coded n is [n - 1]
        self._codes: dict[str | None, int] = {}
        index.add(self._numbered(pages))  # one call: the index writes in batches

    def _numbered(self, pages: Iterable[Page]) -> Iterator[tuple[str, int]]:
        for page in pages:
            items = page.items
            if items:
                self.pages.append(page)
                self._starts.append(self._count)
                for n, item in enumerate(items):
                    code = self._code(item.get("status"))
                    yield item_id(item), (self._count + n) * _CODES + code
                self._count += len(items)

    def _code(self, status: object) -> int:
        # Text or none, compared as they are; any other value (a float's NaN is not equal to
        # itself) is read from its item.
        if not (status is None or type(status) is str):
            return 0
        code = self._codes.get(status)
        if code is None and len(self._statuses) < KEPT_STATUSES:
            self._statuses.append(status)
            code = self._codes[status] = len(self._statuses)
        return code or 0

    def places(self, ident: str) -> Iterator[_Place]:
        for value in self.index.values(ident):
            number, code = divmod(value, _CODES)
            at = bisect_right(self._starts, number) - 1
            kept = self._statuses[code - 1] if code else _UNKEPT
            yield _Place(self.pages[at], number - self._starts[at], kept)

    def ids(self) -> Iterator[str]:
        return (item_id(item) for page in self.pages for item in page.items)


def absence(
    timeline: Timeline,
    item: Item,
    lacking: Traversal,
    status: str | None,
    listed: Container[str] | None = None,
    newest: datetime | None = None,
    places: Places | None = None,
) -> Absence:
    """Why `lacking` (a walk, maybe of a single page, filtered by `status` when not None) does
    not list `item` where another observation does (`listed`: the ids it lists, `newest` its
    newest `createdAt`, `places` its pages' boundaries, when known)."""
    ident, created = item_id(item), created_at(item)
    covering = (places or Places.of(lacking)).covering
    first = lacking.pages[0] if lacking.pages else None
    if ident in timeline.never_live:  # archived by the fixtures: listing it is the fault
        return Absence("unexplained", ident, created, None, None)
    if ident in (lacking.ids if listed is None else listed):  # there, with another status
        moved = timeline.moved(ident)
        return Absence("moved" if moved else "unexplained", ident, created, None, moved)
    if first is None or created is None:
        return Absence("uncovered", ident, created, None, None)
    if not timeline.changing:  # a still list: as strict as if the order were not known
        page = covering(created)
        witness = next(iter(timeline.sightings(ident)), None)
        return Absence("skipped" if page else "uncovered", ident, created, page, witness)
    # Created after the walk began: newer than all it listed (not only its first item: a walk
    # out of order has an older one first), and listed by nothing before it.
    head = newest_of(lacking) if newest is None else newest
    earlier = timeline.listed_before(ident, first.exchange, None)
    if head is not None and created > head and earlier is None:
        return Absence("created", ident, created, first, _after(timeline, ident, first.exchange))
    page = covering(created)
    if page is None:
        return Absence("uncovered", ident, created, None, None)
    moved = timeline.moved(ident) if status is not None else None
    if moved is not None:
        return Absence("moved", ident, created, page, moved)
    later = timeline.listed_after(ident, page.exchange, status)
    if later is None:
        before = timeline.listed_before(ident, page.exchange, None)
        return Absence("archived", ident, created, page, before)
    if status is not None and timeline.listed_before(ident, page.exchange, status) is None:
        # Listed with the filter's status only after: it may have moved in unseen.
        return Absence("moved", ident, created, page, later)
    return Absence("skipped", ident, created, page, later)


@dataclass(frozen=True)
class Places:
    """A walk's page boundaries, read once: where an influencer created at some instant would
    be listed. A comparison asks it for every influencer one walk lists and the other does not
    (100,000 of them against a prefix of a large list): a search, not a pass over the pages."""

    walk: Traversal
    # Page by page, the oldest `createdAt` any page up to it ends with (None: none yet): it
    # never rises, so the first page older than an instant is found by bisection.
    floors: tuple[datetime | None, ...]

    @classmethod
    def of(cls, walk: Traversal) -> Places:
        floors: list[datetime | None] = []
        floor: datetime | None = None
        for page in walk.pages:
            last = page.last_item
            oldest = created_at(last) if last is not None else None
            if oldest is not None and (floor is None or oldest < floor):
                floor = oldest
            floors.append(floor)
        return cls(walk, tuple(floors))

    def covering(self, created: datetime) -> Page | None:
        """The page of the walk that would list an influencer created at `created`: the
        first that ends older than it (the later one where it ties with a boundary); None
        past the end of a walk that stopped short."""
        pages = self.walk.pages
        first = bisect_left(self.floors, True, key=lambda floor: _older(floor, created))
        if first < len(pages):
            return pages[first]
        return pages[-1] if self.walk.complete and pages else None

    def past_reach(self, created: datetime | None) -> bool:
        """Whether an influencer created then lies past what a walk that stopped short
        covers (no page of it ends older): `absence` would say "uncovered"."""
        if self.walk.complete or created is None:
            return False
        floor = self.floors[-1] if self.floors else None
        return floor is None or created <= floor


def _newer(created: datetime | None, newest: datetime | None) -> bool:
    return created is not None and newest is not None and created > newest


def _older(floor: datetime | None, created: datetime) -> bool:
    return floor is not None and floor < created


Side = tuple[Traversal, Sequence[Item], str | None]  # a walk, the items compared, its filter


def differences(
    timeline: Timeline, left: Side, right: Side, *, covered_only: bool = False
) -> list[Absence]:
    """Every influencer one side lists and the other, covering its place, does not, judged.

    Each side is a walk, the items of it compared (all of them, or those of one status), and
    the status the walk was filtered by (None: none). With `covered_only`, an influencer past
    the other side's reach (a prefix) is not judged: its absence says nothing ("uncovered"),
    and against a prefix of a large list nearly every influencer of the walk to the end is one.
    """
    return _differences(timeline, left, right, covered_only)[0]


def _differences(
    timeline: Timeline, left: Side, right: Side, covered_only: bool
) -> tuple[list[Absence], CommonIds]:
    # And the ids both sides compare: found once, asked from either side.
    both = _common(_viewed(left), _viewed(right))
    found = [
        *_missing(timeline, left, right, both, covered_only),
        *_missing(timeline, right, left, both, covered_only),
    ]
    return found, both


def _missing(
    timeline: Timeline, lister: Side, lacker: Side, compared: CommonIds, covered_only: bool
) -> list[Absence]:
    # Each item `lister` compares that `lacker` does not (`compared`: the ids both compare),
    # judged from `lacker`'s side. Only the lister's ids are asked about: of the other side's,
    # those it has too. The lister's items pass one at a time (a walk to the end of a large
    # list is a million).
    walked = lacker[0].items  # the items it compares, when they are all it lists: the same
    listed: Container[str] = (
        compared
        if lacker[1] is walked
        else _WhenAsked(lambda: _common(_viewed(lister), Listing.of_pages(lacker[0].pages)))
    )
    newest, places = newest_of(lacker[0]), Places.of(lacker[0])
    kept: Iterable[Item] = (item for item in lister[1] if item_id(item) not in compared)
    if covered_only:
        # What `absence` would say is "uncovered" (neither listed nor archived by the
        # fixtures, nor newer than all the lacker lists, past the reach): left out before it
        # is judged. Past a reach yet newer: no page of the lacker ends with a createdAt.
        never = timeline.never_live
        kept = (
            item
            for item in kept
            if not places.past_reach(created_at(item))
            or _newer(created_at(item), newest)
            or item_id(item) in listed
            or item_id(item) in never
        )
    return [absence(timeline, item, lacker[0], lacker[2], listed, newest, places) for item in kept]


@dataclass(frozen=True)
class Judged:
    """Two observations compared as a live list allows: what broke, what a change explained
    (set aside, not compared), and how many influencers both listed."""

    violations: list[Violation]
    # The absences a change explains: what a comparison says it set aside. Not the others
    # (past a prefix, each influencer the longer walk lists is one: 70,000 on a large list).
    absences: tuple[Absence, ...]
    compared: int

    @property
    def changes(self) -> tuple[Change, ...]:
        return changes_of(self.absences)

    def words(self, what: str) -> str:
        """What was compared, in words: never a silent pass."""
        said = f"compared the {self.compared:,} influencers {what}"
        kinds = Counter(c.kind for c in self.changes)
        if kinds:
            said += "; set aside " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
            said += " while the run looked (changes the list allows)"
        return said


def judged_words(judged: Sequence[Judged], what: str) -> str:
    """Several comparisons said as one: the fewest influencers any compared, the changes of all."""
    if not judged:
        return ""
    merged = Judged(
        [], tuple(a for one in judged for a in one.absences), min(j.compared for j in judged)
    )
    return merged.words(what)


def judged_changes(judged: Sequence[Judged]) -> tuple[Change, ...]:
    """The changes several comparisons set aside, each once (for the reports)."""
    return changes_of(a for one in judged for a in one.absences)


def same_sequence(timeline: Timeline, reference: Traversal, other: Traversal) -> Judged:
    """`invariants.same_sequence` on a live list: influencers created, archived or moved
    between the walks are set aside; where one walk skipped, it is the one said to part."""
    found, both = _differences(
        timeline, (reference, reference.items, None), (other, other.items, None), True
    )
    aside = set_aside(found)
    lacking = reference if _first_skip_in(found, reference) else other
    listing = other if lacking is reference else reference
    violations = invariants.same_sequence(listing, lacking, aside)
    return Judged(violations, _allowed(found), len(both))


def filters_partition(
    timeline: Timeline, unfiltered: Traversal, filtered: dict[str, Traversal]
) -> Judged:
    """`invariants.filters_partition` on a live list: influencers created, archived or moved
    between the walks are set aside."""
    found: list[Absence] = []
    everything = Listing.of_pages(unfiltered.pages)
    for status, walk in filtered.items():
        # Views over the walks' own pages, read as they are compared. An item of another
        # status than the filter's is wrong on its own: never set aside.
        mine, theirs = Filtered(everything, status), Filtered(Listing.of_pages(walk.pages), status)
        found += differences(
            timeline, (unfiltered, mine, None), (walk, theirs, status), covered_only=True
        )
    aside = set_aside(found)
    violations = invariants.filters_partition(unfiltered, filtered, aside)
    listed = Listing.of_pages(page for walk in filtered.values() for page in walk.pages)
    return Judged(violations, _allowed(found), len(_common(listed, everything)))


def _viewed(side: Side) -> Sequence[Item]:
    # A side's items as a view over its walk's pages, when they are all the walk lists.
    return Listing.of_pages(side[0].pages) if side[1] is side[0].items else side[1]


def _common(one: Sequence[Item], other: Sequence[Item]) -> CommonIds:
    """The ids both list, kept from the shorter (16 bytes an id: never a set of a whole large
    list's ids), the longer passing one item at a time."""
    shorter, longer = sorted((one, other), key=len)
    if isinstance(shorter, Filtered):  # kept by their places in the listing it filters
        return CommonIds(shorter.listing, map(item_id, longer), shorter.holds)
    return CommonIds(shorter, map(item_id, longer))


class _WhenAsked(Container[str]):
    """Ids found when first asked about: a comparison of walks that agree never asks."""

    def __init__(self, find: Callable[[], Container[str]]) -> None:
        self._find = find
        self._found: Container[str] | None = None

    def __contains__(self, ident: object) -> bool:
        if self._found is None:
            self._found = self._find()
        return ident in self._found


def _first_skip_in(found: Iterable[Absence], walk: Traversal) -> bool:
    # Whether the newest influencer skipped (the first the drawing shows) is `walk`'s skip.
    skips = [a for a in found if a.kind == "skipped" and a.created is not None]
    if not skips:
        return False
    first = max(skips, key=lambda a: (a.created, a.ident))
    return any(first.lacking is page for page in walk.pages)


def _allowed(found: Iterable[Absence]) -> tuple[Absence, ...]:
    return tuple(a for a in found if a.allowed)


def set_aside(found: Iterable[Absence]) -> frozenset[str]:
    """The influencers an allowed change explains: not compared."""
    return frozenset(a.ident for a in found if a.allowed)


def changes_of(found: Iterable[Absence]) -> tuple[Change, ...]:
    """The changes among these absences, one per influencer and kind, in order of id."""
    seen = {(a.kind, a.ident): a.change() for a in found if a.allowed}
    return tuple(seen[key] for key in sorted(seen, key=lambda k: (k[1], k[0])))


def _after(timeline: Timeline, ident: str, exchange: Exchange) -> Sighting | None:
    return timeline.listed_after(ident, exchange, None)


def newest_of(walk: Traversal) -> datetime | None:
    """The newest `createdAt` a walk listed."""
    return max(filter(None, map(created_at, walk.items)), default=None)


def oldest_of(walk: Traversal) -> datetime | None:
    """The oldest `createdAt` a walk listed."""
    return min(filter(None, map(created_at, walk.items)), default=None)


def _request(exchange: Exchange) -> str:
    number = f"#{exchange.number} " if exchange.number else ""
    return f"{number}{exchange.method} {exchange.url}"
