"""Pure functions over recorded pages, each returning the violations of one rule.

A violation names the item, the page, the position and the rule, and keeps the exchange
that shows it, so a report can print the request and a curl line.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from layers_conformance.checks import divergence, repeats
from layers_conformance.checks.divergence import Finding, Keep, Listing
from layers_conformance.checks.params import DEFAULT_LIMIT
from layers_conformance.checks.violations import Violation
from layers_conformance.core.exchange import Exchange, why_unsendable
from layers_conformance.core.pages import Item, Page, StopKind, Traversal, item_id

# RFC 3339 `date-time`: Python 3.11's fromisoformat also reads other ISO 8601 spellings
# ("2026-04-01 14:22:10Z", "20260401T142210Z", "2026-04-01T14:22Z"), which are not.
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def sorted_newest_first(traversal: Traversal) -> list[Violation]:
    """`createdAt` never increases from one item to the next, across page boundaries too."""
    if not _rises(traversal.items):
        return []  # the drawing of a listing is made for a finding only (100,000 items)
    listing = Listing.of(traversal, tie_key)
    violations = []
    previous: tuple[datetime, int] | None = None
    for one in listing.listed:
        created = parse_timestamp(one.item.get("createdAt"))
        if created is None:
            continue
        if previous is not None and created > previous[0]:
            finding = divergence.out_of_order(listing, one.index, previous[1])
            violations.append(_found("sorted_newest_first", finding))
        previous = (created, one.index)
    return violations


def no_repeated_items(traversal: Traversal) -> list[Violation]:
    """No influencer is listed twice in one traversal."""
    if not _repeated(lambda: traversal.items, len(traversal.items)):
        return []
    listing = Listing.of(traversal, tie_key)
    first_seen: dict[str, int] = {}
    violations = []
    for one in listing.listed:
        if one.id in first_seen:
            finding = divergence.repeated(listing, one.index, first_seen[one.id])
            violations.append(_found("no_repeated_items", finding))
        first_seen.setdefault(one.id, one.index)
    return violations


def walk_ended(traversal: Traversal, kinds: Collection[StopKind]) -> list[Violation]:
    """The walk was not ended by one of the guards in `kinds`.

    A walk ended by an answer that could not be read (no answer, a cut body, a request not
    sent) shows nothing about the server: that violation is not conclusive.
    """
    if traversal.stop_kind not in kinds:
        return []
    last = traversal.exchanges[-1] if traversal.exchanges else None
    readable = last is None or last.error is None or traversal.stop_kind != "not-a-page"
    return [Violation("walk_ended", traversal.stopped, last, conclusive=readable)]


def cursors_can_be_sent_back(traversal: Traversal) -> list[Violation]:
    """Every nextCursor fits in the request that sends it back (it is a query parameter)."""
    violations = []
    for page in traversal.pages:
        if not page.next_cursor:
            continue
        base = page.exchange.url.split("?", 1)[0]
        problem = why_unsendable(base, (("cursor", page.next_cursor),))
        if problem is not None:
            message = f"page {page.number}'s nextCursor cannot be sent back: {problem}"
            violations.append(Violation("cursors_can_be_sent_back", message, page.exchange))
    return violations


def last_cursor_is_null(traversal: Traversal) -> list[Violation]:
    """Only the last page may be empty, and it says `"nextCursor": null` in so many words."""
    violations = [
        Violation(
            "last_cursor_is_null",
            f"page {page.number} is empty but has a nextCursor (only the last page may be empty)",
            page.exchange,
        )
        for page in traversal.pages[:-1]
        if not page.items
    ]
    if traversal.complete and traversal.pages:
        last = traversal.pages[-1]
        body = last.exchange.json()
        if not isinstance(body, dict) or "nextCursor" not in body or body["nextCursor"] is not None:
            found = (
                body.get("nextCursor", "no nextCursor member") if isinstance(body, dict) else body
            )
            violations.append(
                Violation(
                    "last_cursor_is_null",
                    f"the last page (page "
                    f"{last.number}) ends the walk with nextCursor {found!r}, not null",
                    last.exchange,
                )
            )
    return violations


def pages_within_limit(traversal: Traversal) -> list[Violation]:
    """No page holds more items than the limit it was asked with (25 when none was given)."""
    return [
        Violation(
            "pages_within_limit",
            f"page {page.number} holds {len(page.items)} items, limit {_limit(page)}",
            page.exchange,
        )
        for page in traversal.pages
        if len(page.items) > _limit(page)
    ]


def pages_full_but_last(traversal: Traversal) -> list[Violation]:
    """Every page before the last holds exactly its limit."""
    return [
        Violation(
            "pages_full_but_last",
            f"page {page.number} holds {len(page.items)} items, limit {_limit(page)}, "
            "and is not the last page",
            page.exchange,
        )
        for page in traversal.pages[:-1]
        if len(page.items) < _limit(page)
    ]


def default_page_size(first_page: Page, total: int) -> list[Violation]:
    """Without a limit, the first page holds min(25, total) items."""
    return first_page_size(first_page, total)


def first_page_size(
    first_page: Page, total: int | None, limit: int | None = None, status: str | None = None
) -> list[Violation]:
    """The first page holds min(limit, total) items (the default limit is 25), where `total`
    is how many influencers the status filter (if any) lists.

    On a list seen changing, how many there were when the page was read is not known
    (`total` None): the page then holds at most its limit, and all of it when more follow.
    """
    size = limit or DEFAULT_LIMIT
    held = len(first_page.items)
    if total is None:
        short = held < size and first_page.next_cursor is not None
        if held <= size and not short:
            return []
        expected = f"{size} (limit {size}, and its nextCursor says more follow)"
    elif held == min(size, total):
        return []
    else:
        expected = f"{min(size, total)} ({_size_words(limit)}, {total} influencers in all)"
    asked = f"at limit={limit}" if limit is not None else "without a limit"
    where = f" under status={status}" if status is not None else ""
    return [
        Violation(
            "first_page_size",
            f"the first page {asked}{where} holds {held} items; expected {expected}",
            first_page.exchange,
        )
    ]


def _size_words(limit: int | None) -> str:
    return f"limit {limit}" if limit is not None else "default 25"


def same_sequence(
    reference: Traversal, other: Traversal, aside: Collection[str] = frozenset()
) -> list[Violation]:
    """Two traversals list the same influencers in the same order, ties compared as groups.

    A traversal that did not reach its end (a prefix, or one a guard stopped) is compared
    only as far as it goes, up to its last tie group, which may be cut. The influencers in
    `aside` (those a change of the list explains: `checks.changes`) are not compared, nor
    an influencer listed again (the walk that repeats breaks TRAV-NODUP-001 by itself).
    """
    parted = _parting_group(_walked(reference, aside), _walked(other, aside))
    if parted is None:
        return []
    left = Listing.of(reference, tie_key, keep=_kept(reference, aside))
    right = Listing.of(other, tie_key, keep=_kept(other, aside))
    return [_found("same_sequence", divergence.parted(left, right, parted))]


def all_have_status(traversal: Traversal, status: str) -> list[Violation]:
    """Every item of a traversal filtered by `status` has that status."""
    if all(item.get("status") == status for item in traversal.items):
        return []
    listing = Listing.of(traversal, tie_key)
    return [
        _found(
            "all_have_status",
            divergence.flagged(
                listing, one.index, "wrong-status", f"status {one.item.get('status')!r}"
            ),
        )
        for one in listing.listed
        if one.item.get("status") != status
    ]


def filters_partition(
    unfiltered: Traversal, filtered: dict[str, Traversal], aside: Collection[str] = frozenset()
) -> list[Violation]:
    """The filtered traversals are the unfiltered one split by status, each in its order
    (the influencers in `aside`, which a change of the list explains, left out)."""
    violations, kept = [], _kept(unfiltered, aside)
    for status, traversal in filtered.items():
        # A prefix of the list, or a walk a guard stopped, is compared as far as it goes.
        expected = _Compared.of(
            _of_status(unfiltered, status), len(unfiltered.items), unfiltered.complete, aside
        )
        parted = _parting_group(expected, _walked(traversal, aside))
        if parted is None:
            continue
        left = Listing.of(
            unfiltered,
            tie_key,
            f"{divergence.query_label(unfiltered)} (status={status} only)",
            keep=lambda place, item, wanted=status: (  # type: ignore[misc]
                item.get("status") == wanted and kept(place, item)
            ),
        )
        right = Listing.of(traversal, tie_key, keep=_kept(traversal, aside))
        finding = divergence.parted(left, right, parted)
        violations.append(_found("filters_partition", finding))
    return violations


def excludes_ids(traversal: Traversal, excluded: Iterable[str], why: str) -> list[Violation]:
    """None of `excluded` appears anywhere in the traversal."""
    hidden = set(excluded)
    if hidden.isdisjoint(map(item_id, traversal.items)):
        return []
    listing = Listing.of(traversal, tie_key)
    return [
        _found("excludes_ids", divergence.flagged(listing, one.index, "excluded", why))
        for one in listing.listed
        if one.id in hidden
    ]


def tie_groups(items: Sequence[Item]) -> list[Counter[str]]:
    """Consecutive items of equal `createdAt`, each as a multiset of ids (a repeat counts)."""
    return list(_tie_groups(items))


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime, or None if it is not one."""
    return _parsed(value) if isinstance(value, str) else None


def created_at(item: Item) -> datetime | None:
    """An item's `createdAt`, or None when it is not a timestamp."""
    return parse_timestamp(item.get("createdAt")) if isinstance(item, dict) else None


# Comparisons of walks read the same page boundaries once per influencer compared (100,000
# influencers against a prefix of 34 pages): the few hot values stay cached, the rest pass.
@functools.lru_cache(maxsize=1 << 12)
def _parsed(value: str) -> datetime | None:
    if not RFC3339.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def tie_key(item: Item) -> object:
    """What puts items in one tie group: the instant of `createdAt` (Z and +00:00 alike)."""
    return parse_timestamp(item.get("createdAt")) or item.get("createdAt")


def _limit(page: Page) -> int:
    return page.limit if page.limit is not None else DEFAULT_LIMIT


Reread = Callable[[], Iterable[Item]]  # items read afresh at each call, in order


@dataclass(frozen=True)
class _Compared:
    """A walk's items as a comparison reads them: the influencers in `aside` and every repeat
    left out, read afresh at each pass (a walk to the end of a large list is a million, and
    copying it into new pages wrote it to disk again for each comparison)."""

    items: Reread
    keep: Keep
    complete: bool

    @classmethod
    def of(cls, items: Reread, size: int, complete: bool, aside: Collection[str]) -> _Compared:
        return cls(items, _keep(items, size, aside), complete)

    def __iter__(self) -> Iterator[Item]:
        return (item for place, item in enumerate(self.items()) if self.keep(place, item))


def _walked(traversal: Traversal, aside: Collection[str]) -> _Compared:
    return _Compared.of(lambda: traversal.items, len(traversal.items), traversal.complete, aside)


def _of_status(traversal: Traversal, status: str) -> Reread:
    return lambda: (item for item in traversal.items if item.get("status") == status)


def _kept(traversal: Traversal, aside: Collection[str]) -> Keep:
    return _keep(lambda: traversal.items, len(traversal.items), aside)


def _keep(items: Reread, size: int, aside: Collection[str]) -> Keep:
    # Each influencer's first listing (its place among `items`), unless set aside. Only one
    # listed more than once has its first place remembered: a walk of a million holds few.
    repeated = _repeated(items, size)
    first: dict[str, int] = {}
    for place, item in enumerate(items() if repeated else ()):
        if item_id(item) in repeated:
            first.setdefault(item_id(item), place)
    return lambda place, item: (
        item_id(item) not in aside and first.get(item_id(item), place) == place
    )


def _repeated(items: Reread, size: int) -> set[str]:
    # The ids listed more than once (never a set of all of them); `size` sizes the bitmap.
    return repeats.repeated(lambda: map(item_id, items()), size)


def _found(rule: str, finding: Finding) -> Violation:
    # A finding of `checks.divergence` as a violation: said, drawn, and its page to replay.
    exchange = finding.page.exchange if finding.page is not None else None
    return Violation(rule, finding.message, exchange, finding.divergence)


def _parting_group(mine: _Compared, theirs: _Compared) -> int | None:
    # The index of the first tie group that differs, or where the shorter walk ends while the
    # other goes on; None when the two list the same. The groups are made one pair at a time:
    # two walks of 100,000 influencers would be 200,000 Counters at once.
    partial = not (mine.complete and theirs.complete)
    groups = min(_groups(mine), _groups(theirs))
    compared = groups - (1 if partial else 0)
    pairs = zip(range(max(compared, 0)), _tie_groups(mine), _tie_groups(theirs), strict=False)
    for index, left, right in pairs:
        if left != right:
            return index
    held, others = sum(1 for _ in mine), sum(1 for _ in theirs)
    ended_early = (mine.complete and held < others) or (theirs.complete and others < held)
    return groups if ended_early else None


def _tie_groups(items: Iterable[Item]) -> Iterator[Counter[str]]:
    # `tie_groups`, one group at a time.
    return (Counter(item_id(item) for item in group) for _, group in groupby(items, key=tie_key))


def _groups(items: Iterable[Item]) -> int:
    # How many tie groups `items` holds.
    return sum(1 for _ in groupby(items, key=tie_key))


def _rises(items: Iterable[Item]) -> bool:
    # Some item's `createdAt` is later than the one before it that has one.
    previous: datetime | None = None
    for item in items:
        created = parse_timestamp(item.get("createdAt"))
        if created is None:
            continue
        if previous is not None and created > previous:
            return True
        previous = created
    return False


def _count(groups: Sequence[Counter[str]]) -> int:
    return sum(group.total() for group in groups)


def empty_last_page(page: Page | None) -> list[Violation]:
    """A page that lists nothing and says `nextCursor: null`."""
    if page is None:
        return []  # not a page at all: reported by the page-shape check it was made with
    if page.items or page.next_cursor is not None:
        return [
            Violation(
                "empty_last_page",
                f"expected no items and nextCursor null, got {len(page.items)} items "
                f"and nextCursor {page.next_cursor!r}",
                page.exchange,
            )
        ]
    return []


def same_page(expected: Page, got: Page | None, exchange: Exchange) -> list[Violation]:
    """`got` lists exactly the influencers of `expected`, in order."""
    got_ids = got.ids if got is not None else None
    if got_ids == expected.ids:
        return []
    extra = sorted(set(got_ids or ()) - set(expected.ids))
    return [
        Violation(
            "same_page",
            f"the page differs from the same request without the parameter "
            f"(unexpected: {extra or 'none'}, {len(got_ids or ())} vs {len(expected.ids)} items)",
            exchange,
        )
    ]


def same_tail(expected: Sequence[Item], tail: Traversal, label: str) -> list[Violation]:
    """A walk of the list's tail (`label` says at which page size, from where) lists what the
    widest walk lists after the same item, ties as groups, and ends with it. Its first tie
    group may be cut elsewhere: any tie order is accepted."""
    want, got = tie_groups(expected), tie_groups(tail.items)
    if got and want and not set(got[0]) <= set(want[0]):
        return [_tail_off(tail, 0, label, "its first items are not the next ones of the list")]
    compared = min(len(want), len(got)) - (0 if tail.complete else 1)
    for index in range(1, max(compared, 0)):
        if want[index] != got[index]:
            said = f"{sorted(got[index])} where the widest walk lists {sorted(want[index])}"
            return [_tail_off(tail, sum(g.total() for g in got[:index]), label, said)]
    held, due = _count(got), _count(want) - (want[0].total() - got[0].total() if got else 0)
    if tail.complete and held != due:
        said = f"it ends after {held} influencers where {due} remain"
        return [_tail_off(tail, min(held, len(tail.items) - 1), label, said)]
    return []


def _tail_off(tail: Traversal, position: int, label: str, said: str) -> Violation:
    at = 0
    for page in tail.pages:
        at += len(page.items)
        if at > position:
            return Violation("same_tail", f"{label}: page {page.number}: {said}", page.exchange)
    last = tail.pages[-1].exchange if tail.pages else None
    return Violation("same_tail", f"{label}: {said}", last)
