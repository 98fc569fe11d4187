"""A listing as a view over the pages that hold it, and its rows under a status filter.

The truth of a thorough run lists a million influencers. As a tuple of items, with a dict of
their places and an array of places per filter, it kept some 90 bytes of each for the length
of the run; as runs of the pages' own items (a page, from one item to another) it keeps one
run per page, and reads an item back through `Page.items` when asked. An item that is no
page's as listed (an influencer a walk skipped, put back; one last seen otherwise) is held
here in a run of its own: they are few.
"""

from __future__ import annotations

from abc import abstractmethod
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, count, islice
from typing import overload

from layers_conformance.checks.invariants import created_at
from layers_conformance.core.index import Index
from layers_conformance.core.pages import Item, Page, Pages, item_id, place_at


@dataclass(frozen=True, slots=True)
class Run:
    """Items `start` to `stop` of a page, or of items held here."""

    source: Page | tuple[Item, ...]
    start: int
    stop: int

    @property
    def items(self) -> Sequence[Item]:
        return _items(self.source)[self.start : self.stop]

    @classmethod
    def whole(cls, page: Page) -> Run:
        """All of a page's items (counted without reading them back)."""
        return cls(page, 0, page.size)

    def __len__(self) -> int:
        return self.stop - self.start


def _items(source: Page | tuple[Item, ...]) -> Sequence[Item]:
    return source.items if isinstance(source, Page) else source


class Runs(Sequence[Run]):
    """Runs in order, as columns: each run's page as a row of `Pages` (no object of its
    own), or the items it holds (few: see the module's doc), and its bounds. The truth of a
    large list is ten thousand runs, made in a pass over the pages: an object for each run
    and its page kept the memory of that pass. A run is made again when asked."""

    def __init__(self, runs: Iterable[Run]) -> None:
        self._pages = Pages()
        self._page_of = array("q")  # the run's page in `_pages`, or -1: its items held
        self._held: dict[int, tuple[Item, ...]] = {}
        self._bounds = array("q")  # start and stop, two a run
        for run in runs:
            if isinstance(run.source, Page):
                self._page_of.append(len(self._pages))
                self._pages.append(run.source)
            else:
                self._held[len(self._page_of)] = run.source
                self._page_of.append(-1)
            self._bounds.extend((run.start, run.stop))

    def __len__(self) -> int:
        return len(self._page_of)

    @overload
    def __getitem__(self, at: int) -> Run: ...

    @overload
    def __getitem__(self, at: slice) -> list[Run]: ...

    def __getitem__(self, at: int | slice) -> Run | list[Run]:
        if isinstance(at, slice):
            return [self[n] for n in range(*at.indices(len(self)))]
        n = place_at(at, len(self), "no run at this place of the listing")
        page = self._page_of[n]
        source = self._held[n] if page < 0 else self._pages[page]
        return Run(source, self._bounds[2 * n], self._bounds[2 * n + 1])

    def __iter__(self) -> Iterator[Run]:
        return (self[n] for n in range(len(self)))

    def lengths(self) -> Iterator[int]:
        """Each run's length, without making the runs."""
        bounds = self._bounds
        return (bounds[n + 1] - bounds[n] for n in range(0, len(bounds), 2))


class _Read(Sequence[Item]):
    """Items read on from a place (`since`), never held: an item, a slice or a pass."""

    @abstractmethod
    def since(self, place: int) -> Iterator[Item]:
        """The items from `place` on."""

    @overload
    def __getitem__(self, at: int) -> Item: ...

    @overload
    def __getitem__(self, at: slice) -> Sequence[Item]: ...

    def __getitem__(self, at: int | slice) -> Item | Sequence[Item]:
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self))
            if step != 1:
                return tuple(self[place] for place in range(start, stop, step))
            return tuple(islice(self.since(start), max(0, stop - start)))
        place = at + len(self) if at < 0 else at
        if not 0 <= place < len(self):
            raise IndexError(at)
        return next(self.since(place))

    def __iter__(self) -> Iterator[Item]:
        return self.since(0)


class Listing(_Read):
    """Items in the order of their runs."""

    def __init__(self, runs: Iterable[Run]) -> None:
        self.runs = Runs(run for run in runs if len(run))
        # Places before each run, and the listing's length last: a place's run by bisection.
        self._starts = array("q", accumulate(self.runs.lengths(), initial=0))

    @classmethod
    def of_pages(cls, pages: Iterable[Page]) -> Listing:
        """The items of these pages, in order."""
        return cls(map(Run.whole, pages))

    @classmethod
    def held(cls, items: Sequence[Item]) -> Listing:
        """Items of no page (a listing made by hand), as one run."""
        items = tuple(items)
        return cls([Run(items, 0, len(items))])

    def __len__(self) -> int:
        return self._starts[-1]

    def since(self, place: int) -> Iterator[Item]:
        """The items from `place` on, read run by run."""
        if place >= len(self):
            return
        run, offset = self.located(place)
        yield from self.runs[run].items[offset:]
        for later in range(run + 1, len(self.runs)):  # by index: no copy of the runs per read
            yield from self.runs[later].items

    def run_at(self, place: int) -> tuple[int, Sequence[Item]]:
        """The place of the first item of the run that holds `place` (0 <= place < len), and
        the run's items: read once for the places near it."""
        run = bisect_right(self._starts, place) - 1
        return self._starts[run], self.runs[run].items

    def located(self, place: int) -> tuple[int, int]:
        """The run that holds `place` (0 <= place < len), and the place's offset in it."""
        run = bisect_right(self._starts, place) - 1
        return run, place - self._starts[run]

    def inserting(self, item: Item) -> Listing:
        """The listing with `item` before the first item older than it (at the end when none
        is, or it has no `createdAt`): the listing's own order is kept, right or wrong."""
        created = created_at(item)
        older = (
            (at, offset)
            for at, run in enumerate(self.runs)
            for offset, one in enumerate(map(created_at, run.items))
            if created is not None and one is not None and one < created
        )
        at, offset = next(older, (len(self.runs), 0))
        alone = Run((item,), 0, 1)
        if at == len(self.runs):
            return Listing([*self.runs, alone])
        run, split = self.runs[at], self.runs[at].start + offset
        parts = [Run(run.source, run.start, split), alone, Run(run.source, split, run.stop)]
        return Listing([*self.runs[:at], *parts, *self.runs[at + 1 :]])


def once_each(
    runs: Sequence[Run], never: Iterable[str], latest: Callable[[Item], Item], index: Index
) -> Listing:
    """The runs' items, each influencer at its first place only, none of `never`, each as
    `latest` gives it. `index` is left holding every influencer listed (but `never`): a
    million ids on a large list, so on disk, where a set of them would fill memory; an
    influencer listed twice (a walk that repeats: rare) is found by `Index.several`."""
    left_out = frozenset(never)
    index.add((item_id(item), n) for n, item in enumerate(_items_but(runs, left_out)))
    again = {n for ident in index.several() for n in index.values(ident)[1:]}
    numbers = count()  # each item but `never`'s: the numbers `index` holds
    kept: list[Run] = []
    for run in runs:
        start = run.start
        for place, item in enumerate(run.items, start=run.start):
            first = item_id(item) not in left_out and next(numbers) not in again
            shown = latest(item) if first else None
            if shown == item:
                continue  # as the page lists it: in the run so far
            kept.append(Run(run.source, start, place))
            start = place + 1
            if shown is not None:
                kept.append(Run((shown,), 0, 1))
        kept.append(Run(run.source, start, run.stop))
    return Listing(kept)


def _items_but(runs: Iterable[Run], left_out: frozenset[str]) -> Iterator[Item]:
    return (item for run in runs for item in run.items if item_id(item) not in left_out)


class Filtered(_Read):
    """A listing's items under a status filter (None: all of them), and of those only what
    `also` keeps when given, as rows numbered from 0. Per run it keeps how many rows come
    before it, nothing per influencer: a row is found by bisection to its run, then a pass
    over the run (a page: a hundred items at most)."""

    def __init__(
        self, listing: Listing, status: str | None, also: Callable[[Item], bool] | None = None
    ) -> None:
        self.listing, self.status, self._also = listing, status, also
        every = status is None and also is None
        runs = listing.runs
        counts = runs.lengths() if every else (sum(map(self.holds, r.items)) for r in runs)
        self._before = array("q", accumulate(counts, initial=0))

    def holds(self, item: Item) -> bool:
        """Whether the filter lists this item."""
        kept = self._also is None or self._also(item)
        return kept and self.status in (None, item.get("status"))

    def __len__(self) -> int:
        return self._before[-1]

    def since(self, row: int) -> Iterator[Item]:
        """The rows from `row` on."""
        if row >= len(self):
            return
        run = bisect_right(self._before, row) - 1
        skip = row - self._before[run]
        runs = self.listing.runs
        for later in range(run, len(runs)):  # by index: no copy of the runs per read
            for item in runs[later].items:
                if self.holds(item):
                    if skip == 0:
                        yield item
                    else:
                        skip -= 1

    def before(self, place: int) -> int:
        """How many rows stand at places before `place` of the listing (0 <= place <= len)."""
        if place >= len(self.listing):
            return len(self)
        run, offset = self.listing.located(place)
        return self._before[run] + sum(map(self.holds, self.listing.runs[run].items[:offset]))
