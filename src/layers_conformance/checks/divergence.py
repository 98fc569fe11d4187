"""Where sequences go wrong, drawn and said: the rows around the spot, and one sentence.

A check that compares sequences finds *that* they differ; this module says *where*, the way
a server developer looks for it: at which page size, on which page, next to which items,
after which cursor. Pure: it reads recorded traversals and returns plain records
(`Divergence`) for the reports. Tie groups come from the caller's `key` (the instant of
`createdAt`), so they are the very groups the checks compare.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from itertools import count, groupby, zip_longest
from urllib.parse import parse_qsl, urlsplit

from layers_conformance.core.pages import Item, Page, Traversal, item_id
from layers_conformance.core.results import Cell, Column, Divergence

BEFORE = 3  # rows shown before the first wrong one
AFTER = 4  # and after it
GROUPS_AHEAD = 12  # tie groups aligned from the first that differs: enough to fill AFTER
Key = Callable[[Item], object]
# Whether to list the item at this place of a walk (0: its first item): a place, not the item
# object, names a listing, since a page's items are read back from disk afresh.
Keep = Callable[[int, Item], bool]


@dataclass(frozen=True)
class Listed:
    """One item where its traversal lists it."""

    item: Item
    page: Page
    position: int  # on its page, from 1
    index: int  # in the traversal, from 0
    group: int  # its tie group's number, from 1
    tied: bool
    cursor: str | None  # on a page's first item: the cursor the page was asked with
    last_on_page: bool
    occurrence: int  # how many times its id was listed before it

    @property
    def id(self) -> str:
        return item_id(self.item)

    @property
    def created(self) -> str:
        return str(self.item.get("createdAt"))

    @property
    def where(self) -> str:
        if self.page.number == 0:  # a check of one page after a cursor: the cursor's item
            return "the page before the cursor"
        return f"page {self.page.number}, position {self.position}"

    @property
    def which(self) -> str:
        """Where it stands when that matters: at a page's end, or before the cursor."""
        if self.page.number == 0:
            return ", the item the cursor was made from"
        if self.last_on_page:
            return f", the last item of page {self.page.number}"
        return f" on page {self.page.number}"

    def cell(self, ties: Ties, mark: str = "", note: str = "") -> Cell:
        tie = ties.key(self)
        return Cell(
            self.id,
            self.created,
            self.page.number,
            self.position,
            ties.numbers[tie],
            tie in ties.tied,
            self.cursor,
            mark,
            note,
        )


@dataclass(frozen=True)
class Ties:
    """Tie groups as a drawing numbers them: by instant, alike in every column.

    An instant is tied when any sequence holds it more than once, so the item a walk lost
    from a tie group is shaded with the one it kept.
    """

    key: Callable[[Listed], object]
    numbers: dict[object, int]
    tied: frozenset[object]

    @classmethod
    def of(cls, key: Key, shown: Iterable[Listed]) -> Ties:
        def instant(one: Listed) -> object:
            return _hashable(key(one.item))

        shown = list(shown)
        numbers: dict[object, int] = {}
        for one in shown:
            numbers.setdefault(instant(one), len(numbers) + 1)
        return cls(instant, numbers, frozenset(instant(one) for one in shown if one.tied))


# A row of two aligned columns: each side's item (or a gap) and what is wrong with it.
Row = tuple[Listed | None, str, Listed | None, str]


@dataclass(frozen=True)
class Listing:
    """A traversal's items in order, each with its page, position and tie group."""

    traversal: Traversal
    label: str
    key: Key
    listed: tuple[Listed, ...]
    groups: tuple[tuple[Listed, ...], ...]

    @classmethod
    def of(
        cls,
        traversal: Traversal,
        key: Key,
        label: str | None = None,
        keep: Keep = lambda _place, _item: True,
    ) -> Listing:
        """The listing of the items of `traversal` that `keep` keeps, named `label`.

        By default, it is named by its query. Kept items keep their page and position.
        """
        listed = tuple(_list(traversal, key, keep))
        groups = tuple(tuple(g) for _, g in groupby(listed, key=lambda one: one.group))
        return cls(traversal, label or query_label(traversal), key, listed, groups)

    @cached_property
    def counts(self) -> Counter[str]:
        return Counter(one.id for one in self.listed)

    @property
    def page_size(self) -> int | None:
        return self.traversal.pages[0].limit if self.traversal.pages else None

    def ending(self) -> str:
        """How the traversal ended, as its column's last line says."""
        if self.traversal.prefix:
            return f"the suite reads no further at this page size ({len(self.listed)} items)"
        if self.traversal.stopped:
            return f"the walk stopped: {self.traversal.stopped}"
        if not self.traversal.pages:
            return "no page"
        last = self.traversal.pages[-1]
        empty = "is empty and " if not last.items else ""
        return f"the end: page {last.number} {empty}says nextCursor null"

    def same_instant(self, one: Listed, other: Listed) -> bool:
        return _hashable(self.key(one.item)) == _hashable(self.key(other.item))

    def column(self, cells: Iterable[Cell | None], shown: Iterable[Listed]) -> Column:
        """This listing's column of the drawing; it says how the walk ended if that is in view."""
        last_shown = max((one.index for one in shown), default=-1)
        ends_in_view = not self.listed or self.listed[-1].index <= last_shown
        return Column(self.label, tuple(cells), self.ending() if ends_in_view else "")


@dataclass(frozen=True)
class Finding:
    """What a violation says and draws, and the page whose request to replay first."""

    message: str
    divergence: Divergence
    page: Page | None


def query_label(traversal: Traversal) -> str:
    """The traversal's query without its cursor, as a reader would type it: `limit=7`."""
    url = traversal.exchanges[0].url if traversal.exchanges else ""
    params = [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k != "cursor"]
    query = "&".join(f"{k}={v}" for k, v in params)
    if any(k == "limit" for k, _ in params):
        return query
    return "the default limit" + (f" with {query}" if query else "")


# --- two traversals that should list the same items -------------------------------------


def parted(left: Listing, right: Listing, group: int) -> Finding:
    """Where `right` parts from `left`, the first `group` tie groups being the same in both."""
    rows = _align(left, right, group)
    first = next((n for n, row in enumerate(rows) if row[1] or row[3]), _start_of(rows, group))
    window = rows[max(first - BEFORE, 0) : first + AFTER + 1]
    message, page, item = _say_parted(left, right, rows, first)
    mine = [(a, m) for a, m, _, _ in window]
    theirs = [(b, m) for _, _, b, m in window]
    ties = Ties.of(left.key, (one for one, _ in mine + theirs if one))
    columns = (
        left.column((_cell(a, m, ties) for a, m in mine), (a for a, _ in mine if a)),
        right.column((_cell(b, m, ties) for b, m in theirs), (b for b, _ in theirs if b)),
    )
    number = page.number if page else 0
    return Finding(message, Divergence(right.page_size, number, item, columns), page)


def _align(left: Listing, right: Listing, start: int) -> list[Row]:
    # Groups before `start` hold the same items in both (the check compared them): zip them.
    rows: list[Row] = [
        (a, "", b, "")
        for g in range(max(start - BEFORE, 0), start)
        for a, b in zip_longest(left.groups[g], right.groups[g])
    ]
    mine, theirs = left.groups[start : start + GROUPS_AHEAD], right.groups[start:][:GROUPS_AHEAD]
    matcher = SequenceMatcher(
        None, [_group_key(left, g) for g in mine], [_group_key(right, g) for g in theirs], False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(mine[i1:i2], theirs[j1:j2], strict=True):
                rows += _pair(left, right, a, b)
        else:
            rows += _unpaired(left, right, _flat(mine[i1:i2]), _flat(theirs[j1:j2]))
    return rows


def _pair(left: Listing, right: Listing, a: Sequence[Listed], b: Sequence[Listed]) -> list[Row]:
    # Two groups of one instant holding the same items may list them in any order.
    if Counter(one.id for one in a) == Counter(one.id for one in b):
        return [(x, "", y, "") for x, y in zip_longest(a, b)]
    return _unpaired(left, right, a, b)


def _unpaired(left: Listing, right: Listing, a: Sequence[Listed], b: Sequence[Listed]) -> list[Row]:
    rows: list[Row] = []
    matcher = SequenceMatcher(None, [one.id for one in a], [one.id for one in b], False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for x, y in zip_longest(a[i1:i2], b[j1:j2]):
            if tag == "equal":
                # A repeat may be the one matched: it is still a repeat.
                rows.append((x, "", y, "repeated" if _repeats(y, left) else ""))
            else:
                rows.append((x, _left_mark(x, right), y, _right_mark(y, left, right)))
    return rows


def _left_mark(one: Listed | None, other: Listing) -> str:
    if one is None:
        return ""
    if one.id in other.counts:
        return "out-of-order"
    # Past the end of a walk the suite cut short, an item is not missing: it is unread.
    covered = other.traversal.complete or one.index < len(other.listed)
    return "missing" if covered else ""


def _right_mark(one: Listed | None, left: Listing, right: Listing) -> str:
    if one is None:
        return ""
    if one.id not in left.counts:
        return "extra" if left.traversal.complete or one.index < len(left.listed) else ""
    if _repeats(one, left):
        return "repeated"
    # The first listing of an item listed too often is not the wrong one: its repeat is.
    return "" if right.counts[one.id] > left.counts[one.id] else "out-of-order"


def _repeats(one: Listed | None, left: Listing) -> bool:
    return one is not None and one.occurrence >= left.counts[one.id]


def _say_parted(
    left: Listing, right: Listing, rows: list[Row], first: int
) -> tuple[str, Page | None, str]:
    a, a_mark, b, b_mark = rows[first] if rows else (None, "", None, "")
    if b is not None and b_mark:
        said = _say_wrong_item(left, right, b, b_mark, a)
        if a is None:
            said += _left_there(left, rows, first)
        return said, b.page, b.id
    if a is not None:
        before = next((r for _, _, r, _ in reversed(rows[:first]) if r), None)
        after = next((r for _, _, r, _ in rows[first + 1 :] if r), None)
        return _say_missing(left, right, a, a_mark, (before, after))
    last = right.traversal.pages[-1] if right.traversal.pages else None
    return f"at {right.label} the traversals part ({right.ending()})", last, ""


def _say_missing(
    left: Listing,
    right: Listing,
    one: Listed,
    mark: str,
    neighbours: tuple[Listed | None, Listed | None],
) -> tuple[str, Page | None, str]:
    before, after = neighbours
    tie = ""
    if before is not None and right.same_instant(before, one):
        tie = f", tied with {before.id}{before.which}"
    gone = {"out-of-order": "is listed out of place", "missing": "never appears"}.get(
        mark, "is not listed here"
    )
    if mark == "missing" and not right.traversal.complete:
        gone = "does not appear where expected"
    if after is None:
        follows = right.ending()
        page = right.traversal.pages[-1] if right.traversal.pages else None
    elif after.position == 1:
        follows, page = f"page {after.page.number} starts with {after.id}", after.page
    else:
        follows, page = f"{after.id} comes next, on {after.where}", after.page
    return (
        f"at {right.label} the item {one.id} (createdAt {one.created}{tie}) {gone}; "
        f"{follows}; {left.label} lists it on {one.where}",
        page,
        one.id,
    )


def _left_there(left: Listing, rows: list[Row], first: int) -> str:
    # Where the expected sequence crosses a page boundary or ends, it may be the one at fault.
    crossing = next((x for x, _, _, _ in rows[first + 1 :] if x), None)
    if crossing is None:
        return f"; {left.label}: {left.ending()}"
    if crossing is not None and crossing.cursor:
        return f"; there {left.label} goes on to page {crossing.page.number}"
    return ""


def _say_wrong_item(
    left: Listing, right: Listing, one: Listed, mark: str, instead: Listed | None
) -> str:
    head = f"at {right.label} {one.where} lists {one.id} (createdAt {one.created})"
    there = (
        f"; {left.label} lists {instead.id} there"
        if instead is not None and instead.id != one.id
        else ""
    )
    if mark == "extra":
        return f"{head}, which {left.label} does not list{there}"
    if mark == "repeated":
        return f"{head} a second time; {left.label} lists it once{there}"
    return f"{head} out of {left.label}'s order{there}"


# --- one traversal that breaks a rule by itself -------------------------------------------


def repeated(listing: Listing, index: int, first: int) -> Finding:
    """The item at `index` was already listed at `first`."""
    one, earlier = listing.listed[index], listing.listed[first]
    message = (
        f"at {listing.label} the item {one.id} (createdAt {one.created}) is listed again on "
        f"{one.where}; it was already on {earlier.where}"
    )
    marks = {first: ("first-listed", ""), index: ("repeated", f"also on {earlier.where}")}
    return _single(listing, index, marks, message)


def out_of_order(listing: Listing, index: int, previous: int) -> Finding:
    """The item at `index` is newer than the one at `previous`, listed before it."""
    one, before = listing.listed[index], listing.listed[previous]
    message = (
        f"at {listing.label} {one.where} lists {one.id} (createdAt {one.created}) after "
        f"{before.id}{before.which} (createdAt {before.created}): createdAt goes up, not down"
    )
    marks = {previous: ("listed-before", ""), index: ("out-of-order", "newer than the one before")}
    return _single(listing, index, marks, message)


def flagged(listing: Listing, index: int, mark: str, what: str) -> Finding:
    """The item at `index` should not be there at all (`what` says why: "archived")."""
    one = listing.listed[index]
    message = (
        f"at {listing.label} the item {one.id} ({what}, createdAt {one.created}) "
        f"appears on {one.where}"
    )
    return _single(listing, index, {index: (mark, what)}, message)


def index_of(listing: Listing, page: Page, position: int) -> int:
    """The index in the whole traversal of the item at `position` of `page`."""
    return next(
        one.index for one in listing.listed if one.page is page and one.position == position
    )


def _single(
    listing: Listing, index: int, marks: dict[int, tuple[str, str]], message: str
) -> Finding:
    start = max(index - BEFORE, 0)
    shown = listing.listed[start : index + AFTER + 1]
    ties = Ties.of(listing.key, shown)
    cells = tuple(one.cell(ties, *marks.get(one.index, ("", ""))) for one in shown)
    one = listing.listed[index]
    divergence = Divergence(
        listing.page_size, one.page.number, one.id, (listing.column(cells, shown),)
    )
    return Finding(message, divergence, one.page)


# --- helpers --------------------------------------------------------------------------------


def _list(traversal: Traversal, key: Key, keep: Keep) -> Iterable[Listed]:
    places = count()
    kept = [
        (n, page, position, item)
        for n, page in enumerate(traversal.pages)
        for position, item in enumerate(page.items, start=1)
        if keep(next(places), item)
    ]
    sizes = [len(list(g)) for _, g in groupby(kept, key=lambda e: _hashable(key(e[3])))]
    numbers = [number for number, size in enumerate(sizes, start=1) for _ in range(size)]
    seen: Counter[str] = Counter()
    for index, (entry, group) in enumerate(zip(kept, numbers, strict=True)):
        n, page, position, item = entry
        seen[item_id(item)] += 1
        # A page starts at its first kept item: a filter may have dropped the ones before.
        starts = index == 0 or kept[index - 1][1] is not page
        yield Listed(
            item,
            page,
            position,
            index,
            group,
            sizes[group - 1] > 1,
            _cursor(traversal, n) if starts else None,
            position == len(page.items),
            seen[item_id(item)] - 1,
        )


def _cursor(traversal: Traversal, n: int) -> str:
    # The first page is asked without a cursor: "" says so.
    return (traversal.pages[n - 1].next_cursor or "") if n else ""


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _group_key(listing: Listing, group: Sequence[Listed]) -> object:
    return _hashable(listing.key(group[0].item))


def _flat(groups: Sequence[Sequence[Listed]]) -> list[Listed]:
    return [one for group in groups for one in group]


def _start_of(rows: Sequence[Row], group: int) -> int:
    # Without a marked row (an item past a cut walk's end), start at the group that differs.
    for n, (a, _, b, _) in enumerate(rows):
        one = a or b
        if one is not None and one.group > group:
            return n
    return 0


def _cell(one: Listed | None, mark: str, ties: Ties) -> Cell | None:
    return one.cell(ties, mark) if one is not None else None
