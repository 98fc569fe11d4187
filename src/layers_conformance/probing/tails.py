"""The end of the list at every page size: a walk of the list's tail at each walk's own size
and filter.

Only the walk at the largest page size is planned to reach `nextCursor: null`; the others
stop at their share, as prefixes, so a server that loops or loses an item on the last pages
at a small page size would go unseen. For each such walk, the tail is walked at its own page
size from a cursor near the end: the cursor of a page the walks met with the fewest
influencers left after it, moved closer with one page or a few at another size (each page's
`nextCursor` is a cursor too), until about two pages and one item remain. The tail must then
list the rest of the list, as the walk to the end does, and end.

A target that refuses a cursor at another page size (VALIDATION: the catalogue allows it),
or pages after it at the size the cursor was made at, leaves no tail to walk: the checks are
then inconclusive at that size, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count, islice

from layers_conformance.checks.params import DEFAULT_LIMIT, MAX_LIMIT, STATUSES
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.index import Index
from layers_conformance.core.pages import Item, Page, Traversal, item_id, read_page
from layers_conformance.probing.probe import Probe
from layers_conformance.probing.traversal import walk

# Pages at another size that move a cursor closer to the end, at most: a tail costs a few
# requests, never a walk of the list (a filter's walks are prefixes on a large list).
MOVES = 8
# The tail crosses this many page boundaries before its last, partial page.
BOUNDARIES = 2


@dataclass(frozen=True)
class Tail:
    """The tail of the list walked at one page size, and what the walk to the end lists there."""

    limit: int | None
    status: str | None
    walked: Traversal
    after: Item  # the item the tail's cursor was handed out after
    expected: tuple[Item, ...]  # the walk to the end's items after it

    @property
    def label(self) -> str:
        size = f"limit={self.limit}" if self.limit is not None else "the default page size"
        size += f" status={self.status}" if self.status is not None else ""
        return f"the tail at {size} from after {item_id(self.after)}"


@dataclass(frozen=True)
class Tails:
    """The tails walked; why the target left some none (`refused`: no evidence, the checks
    are inconclusive); and the ends too far from every cursor met for a tail's few requests
    (`unwalked`: the plan's limit, said in the pass as the prefixes are)."""

    made: list[Tail]
    refused: list[str]
    unwalked: list[str]


@dataclass(frozen=True)
class Unwalked:
    """The end of a list is further from every cursor met than a tail's requests reach."""

    reason: str


def tails(probe: Probe) -> Tails:
    """The tail of every compared walk that stopped as a prefix, and why some have none."""
    return probe.derived.get("tails", lambda: _tails(probe))  # type: ignore[return-value]


def _tails(probe: Probe) -> Tails:
    if not probe.profile.tails:  # smoke: its few requests go to what production can bear
        return Tails([], [], [])
    walks = probe.compared_traversals()
    keyed: list[tuple[tuple[int | None, str | None], Traversal]] = [
        ((limit, None), walked) for walked, limit in zip(walks, _sizes(probe), strict=True)
    ]
    size = probe.profile.filter_page_size
    keyed += [((size, status), probe.filtered(status)) for status in STATUSES]
    prefixes = [key for key, walked in keyed if walked.prefix]
    widest = walks[0]
    if not prefixes:
        return Tails([], [], [])
    if not widest.complete:
        return Tails([], [], ["the walk to the end did not reach the end of the list"])
    found = Tails([], [], [])
    listings: dict[str | None, _Filtered] = {}
    for limit, status in prefixes:
        if status not in listings:
            listings[status] = _Filtered(widest, status, probe.index())
        listing = listings[status]
        sources = [walked for (_, made_under), walked in keyed if made_under == status]
        tail = _tail(probe, limit, status, sources, listing)
        if isinstance(tail, Tail):
            found.made.append(tail)
        elif isinstance(tail, Unwalked):
            found.unwalked.append(tail.reason)
        else:
            found.refused.append(tail)
    return found


def _sizes(probe: Probe) -> list[int | None]:
    # The page sizes of `compared_traversals`, in its order.
    return [*sorted(probe.profile.page_sizes, reverse=True), None]


def _tail(
    probe: Probe,
    limit: int | None,
    status: str | None,
    walks: list[Traversal],
    listing: _Filtered,
) -> Tail | Unwalked | str:
    """The tail at `limit` under `status` (None: unfiltered), placed from the cursors `walks`
    met under that filter; `listing` is the walk to the end's, filtered alike."""
    size = limit or DEFAULT_LIMIT
    at = f"limit={limit}" + (f" status={status}" if status else "")
    filtered = (("status", status),) if status is not None else ()
    near = BOUNDARIES * size + 1  # influencers the tail is to list
    start = _closest(walks, listing, near)
    if start is None:
        return f"at {at}: the walks met no cursor with influencers after it"
    cursor, after, place = start  # `place`: where the walk to the end lists `after`
    for _ in range(MOVES):
        left = len(listing) - place - 1
        if left <= near + size:
            break
        asked = min(MAX_LIMIT, left - near)
        moved = _page(probe, (("limit", str(asked)), *filtered, ("cursor", cursor)), asked)
        if isinstance(moved, str):
            return f"at {at}: {moved}"
        if len(moved.items) != asked:
            return (
                f"at {at}: after a cursor made at another page size the target does "
                f"not page at the size asked (limit={asked}: {len(moved.items)} items)"
            )
        moved_to = listing.place(item_id(moved.items[-1]))
        if moved_to is None or not moved.next_cursor:
            return f"at {at}: moving the cursor to the end got {_said(moved.exchange)}"
        cursor, after, place = moved.next_cursor, moved.items[-1], moved_to
    left = len(listing) - place - 1
    if left > near + size:
        return Unwalked(
            f"at {at}: {left:,} influencers remain after the nearest cursor the walks met, "
            f"more than {MOVES} pages at limit {MAX_LIMIT} move it"
        )
    base = ((("limit", str(limit)),) if limit is not None else ()) + filtered

    def fetch(sent: str | None) -> Exchange:
        return probe.get((*base, ("cursor", sent or cursor)))

    walked = walk(fetch, limit=limit, max_pages=left // size + 3)
    first = walked.pages[0] if walked.pages else None
    if first is None and walked.failed_exchange is not None:
        refused = walked.failed_exchange
        if refused.status is not None and 400 <= refused.status < 500:
            return f"at {at}: the target refuses a cursor from another page size: " + (
                _said(refused)
            )
    if first is not None and len(first.items) > size:
        return (
            f"at {at}: after a cursor made at another page size the target pages at "
            f"that size ({len(first.items)} items): no tail at {at} to walk"
        )
    return Tail(limit, status, walked, after, listing.after(place))


class _Filtered:
    """The walk to the end's items under a filter, with their places by id in `index` (on
    disk in a run): on a large list they are a million, never all in memory at once."""

    def __init__(self, walk: Traversal, status: str | None, index: Index) -> None:
        self._walk, self._status, self._index = walk, status, index
        places = count()
        index.add((item_id(item), next(places)) for item in self)
        self._count = next(places)

    def __iter__(self) -> Iterator[Item]:
        return (i for i in self._walk.items if self._status in (None, i.get("status")))

    def __len__(self) -> int:
        return self._count

    def place(self, ident: str) -> int | None:
        """Where it lists `ident` (the last place, where it lists it twice), or None."""
        return self._index.values(ident)[-1] if ident in self._index else None

    def after(self, place: int) -> tuple[Item, ...]:
        """Its items after `place`."""
        return tuple(islice(self, place + 1, None))


def _closest(walks: list[Traversal], listing: _Filtered, near: int) -> _Start | None:
    """The cursor met with the fewest influencers after it, at least `near` of them; when
    none has that many, the one with the most (its tail is shorter, and still ends). Each
    page is read for its cursor and last item alone, and only the two best are kept: the
    walks of a large list met twenty thousand."""
    fewest: tuple[int, _Start] | None = None  # at least `near` left
    most: tuple[int, _Start] | None = None
    for walked in walks:
        for page in walked.pages:
            cursor, last = page.cursor_and_last_item()
            if not cursor or last is None:
                continue
            place = listing.place(item_id(last))
            left = len(listing) - place - 1 if place is not None else 0
            if place is None or left <= 0:
                continue
            if left >= near and (fewest is None or left < fewest[0]):
                fewest = left, (cursor, last, place)
            if most is None or left > most[0]:
                most = left, (cursor, last, place)
    chosen = fewest or most
    return chosen[1] if chosen else None


_Start = tuple[str, Item, int]  # a cursor, the item it comes after, and that item's place


def _page(probe: Probe, query: tuple[tuple[str, str], ...], limit: int) -> Page | str:
    answer = probe.get(query)
    page = read_page(answer, 1, limit)
    if page is None:
        return f"moving the cursor closer to the end got {_said(answer)}"
    return page


def _said(answer: Exchange) -> str:
    return answer.describe()
