"""The oracle over the query space: the answers the page allows for any request, and a
verdict on the one that came back.

An error is acceptable when one of the request's defects calls for its code: where a request
has several, the page does not say which wins, so any of theirs is. A page is acceptable
when no defect rules pages out and it honours the request under one of the readings the
page leaves open (`Reading`). Never acceptable: a 5xx, a page for a project the key cannot
see, an item of another project than the one in the path.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property

from layers_conformance.checks import invariants, shapes
from layers_conformance.checks.listing import Filtered, Listing
from layers_conformance.checks.space import (
    OTHER_HEADER,
    PROJECT_WORDS,
    Case,
    Classes,
    Point,
    is_hard,
)
from layers_conformance.checks.violations import Violation
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.index import Index, MemoryIndex
from layers_conformance.core.pages import Item, Page, Traversal, item_id, read_page

# The requirement each point is judged under: the rule of its most telling defect.
PARTITIONS = (
    "QUERY-VALIDATION-001",
    "PROJ-SCOPE-001",
    "PROJ-UNKNOWN-001",
    "PROJ-MALFORMED-001",
    "PROJ-FOREIGN-001",
    "PROJ-FOREIGN-CURSOR-001",
    "AUTH-MISSING-001",
    "AUTH-INVALID-001",
    "AUTH-SCOPE-001",
)
RULE = "query_space"


def requirement(point: Point) -> str:
    """The catalogue requirement whose rule decides this point (one of PARTITIONS)."""
    return requirement_of(point.classes)


@cache  # the classes are few (the product of DIMENSIONS); each test asks of all
def requirement_of(classes: Classes) -> str:
    """The requirement of a point's classes: its bad key first, then its unknown or foreign
    project, then another project's cursor where a page may still answer."""
    project, _, _, cursor, key = classes
    if key == "missing":
        return "AUTH-MISSING-001"
    if key.startswith(("invalid", "no-scope")):
        return "AUTH-INVALID-001" if key.startswith("invalid") else "AUTH-SCOPE-001"
    if project in ("unknown", "malformed"):
        return f"PROJ-{project.upper()}-001"
    if project == "foreign":
        return "PROJ-FOREIGN-CURSOR-001" if cursor == "other-org" else "PROJ-FOREIGN-001"
    plain = not any(map(is_hard, classes))
    return "PROJ-SCOPE-001" if plain and cursor == "other-project" else "QUERY-VALIDATION-001"


def codes(point: Point) -> frozenset[str]:
    """Every error code one of the point's defects calls for."""
    project, limit, status, cursor, key = point.classes
    found = _key_codes(key)
    if project in ("unknown", "foreign", "malformed"):
        found.add("NOT_FOUND")
    invalid_query = limit in ("out-of-range", "not-integer") or status == "invalid"
    if project == "malformed" or invalid_query or cursor not in ("none", "this-query"):
        found.add("VALIDATION")
    return frozenset(found)


def _key_codes(key: str) -> set[str]:
    found = set()
    # A key in the other header may simply not be read (AUTH-BEARER-001 and AUTH-APIKEY-001
    # are SHOULDs): UNAUTHENTICATED then.
    if key.endswith(OTHER_HEADER) or key in ("invalid", "missing"):
        found.add("UNAUTHENTICATED")
    if key.startswith("no-scope"):
        found.add("FORBIDDEN_SCOPE")
    return found


@dataclass(frozen=True)
class Truth:
    """The main project's listing as the walks showed it, and whether they reached its end;
    every influencer they listed (`seen`), and whether the list stood still meanwhile
    (`probing.observed`): on a list seen changing a page is judged as a live list allows.

    On a large list the listing is a view over the walks' pages (`checks.listing`), and each
    influencer's place is looked up in an index `new_index` makes (on disk in a run): what
    the truth keeps in memory grows with the pages, not with the influencers."""

    listing: Sequence[Item]
    complete: bool
    seen: Container[str] = frozenset()  # a timeline's sightings on a large list, not a copy
    still: bool = True
    # The last request the walks sent (0: not known): a page requested after it may show a
    # change no walk could see, and an absence is then no evidence.
    until: int = 0
    new_index: Callable[[], Index] = MemoryIndex

    @property
    def known(self) -> bool:
        """The walks showed something of the listing (even its emptiness)."""
        return bool(self.listing) or self.complete

    def of(self, project: str) -> Truth:
        """The listing of a project in the path: the empty project lists nothing, by fixture."""
        return self if project == "main" else Truth((), True)

    def live(self, page: Page) -> bool:
        """Whether `page` is judged as a live list allows: the walks saw the list change, the
        page was requested after their last request (a change since would not show in them),
        or the page itself shows an influencer they never saw (newer: created) or one whose
        status has changed since (moved)."""
        return not self.still or 0 < self.until < page.exchange.number or self.shows_change(page)

    def shows_change(self, page: Page) -> bool:
        """The page itself shows a change since the walks: an influencer they never saw, newer
        than all they saw (created), or one whose status moved."""
        return any(
            self._status(item) != item.get("status")
            or (item_id(item) not in self._places and self.created_since(item))
            for item in page.items
        )

    def _status(self, item: Item) -> object:
        # The status the listing gives the influencer (where it is listed twice, its last);
        # the item's own when the listing does not hold it.
        place = self.place(item_id(item))
        return item.get("status") if place is None else self.view[place].get("status")

    def created_since(self, item: Item) -> bool:
        """Newer than every influencer the walks listed: created after them (by the server's
        clock); never on a listing that is empty."""
        created = invariants.parse_timestamp(item.get("createdAt"))
        return created is not None and self._newest is not None and created > self._newest

    def filtered(self, status: str | None) -> Rows:
        """The listing under a status filter (None: all of it), indexed once for every page
        judged against it."""
        rows = self._filtered.get(status)
        if rows is None:
            rows = self._filtered[status] = Rows.of(self, status)
        return rows

    def listed(self, ident: str) -> bool:
        """Some walk listed this influencer: the listing, or the walks `seen` besides it."""
        return ident in self._places or ident in self.seen

    def place(self, ident: str) -> int | None:
        """The influencer's place in the listing (its last, where one is listed twice)."""
        places = self.places_of(ident)
        return places[-1] if places else None

    def places_of(self, ident: str) -> tuple[int, ...]:
        """Every place of the influencer in the listing, in order."""
        return self._places.values(ident)

    @cached_property
    def view(self) -> Listing:
        """The listing as runs of items, however it was given."""
        listing = self.listing
        return listing if isinstance(listing, Listing) else Listing.held(listing)

    @cached_property
    def repeated(self) -> tuple[tuple[int, ...], ...]:
        """The places of each influencer listed more than once (rare: a walk that repeats)."""
        return tuple(self._places.values(ident) for ident in self._places.several())

    @cached_property
    def _places(self) -> Index:
        index = self.new_index()
        index.add((item_id(item), place) for place, item in enumerate(self.view))
        return index

    @cached_property
    def _filtered(self) -> dict[str | None, Rows]:
        return {}

    @cached_property
    def _newest(self) -> datetime | None:
        instants = (invariants.parse_timestamp(row.get("createdAt")) for row in self.view)
        return max((instant for instant in instants if instant is not None), default=None)


@dataclass(frozen=True)
class Rows:
    """The truth's listing under one status filter, indexed once: on a large list it holds
    100,000 rows, and a run judges a thousand pages against it. It counts rows per run of
    the listing (`listing.Filtered`); one influencer's row is found from its places in the
    truth's index."""

    items: Filtered
    truth: Truth
    # Where an influencer is listed more than once, its rows but the last: (place, last place).
    again: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, truth: Truth, status: str | None) -> Rows:
        items = Filtered(truth.view, status)
        again = tuple(
            (place, places[-1])
            for places in truth.repeated
            for place in places[:-1]
            if items.holds(truth.view[place])
        )
        return cls(items, truth, again)

    def first(self, ident: str) -> int | None:
        """The influencer's first row (None: the filter does not list it)."""
        listing = self.truth.view
        for place in self.truth.places_of(ident):
            if self.items.holds(listing[place]):
                return self.items.before(place)
        return None

    def before(self, place: int) -> int:
        """How many rows stand at or before this place of the whole listing, each row at its
        influencer's last place."""
        later = sum(row <= place < last for row, last in self.again)
        return self.items.before(place + 1) - later

    def tied(self, ident: str, instant: object) -> bool:
        """Some row lists this influencer created at this instant (one of its tie group)."""
        rows = (self.truth.view[place] for place in self.truth.places_of(ident))
        return any(self.items.holds(row) and _instant(row) == instant for row in rows)


@dataclass(frozen=True)
class Reading:
    """One way a page may honour a request: its status filter, its size, and where it starts
    (after the cursor's item; the top without one; anywhere for an edited cursor; at some
    count of rows into the listing for a cursor read as an offset, `counted`)."""

    status: str | None
    limit: int
    after: Item | None = None
    anywhere: bool = False
    counted: bool = False

    def words(self) -> str:
        where = " at any place" if self.anywhere else ""
        where = " at the place a count of rows gives" if self.counted else where
        after = f" after {item_id(self.after)}" if self.after is not None else where
        return f"a page of status={self.status or 'any'}, limit={self.limit}{after}"


@dataclass(frozen=True)
class Expected:
    """The answers a request allows: these error codes, or a page under one of these readings."""

    codes: frozenset[str]
    readings: tuple[Reading, ...]

    def says(self) -> str:
        return " or ".join([r.words() for r in self.readings] + sorted(self.codes))


def expected(case: Case) -> Expected:
    """The answers the page allows for this case."""
    point = case.point
    hard = any(map(is_hard, point.classes))
    return Expected(codes(point), () if hard else readings(case))


def readings(case: Case) -> tuple[Reading, ...]:
    """The pages that honour a case no defect rules out, one per reading the page allows."""
    point, issued = case.point, case.issued
    if point.cursor in ("none", "other-project") or issued is None:
        return (Reading(point.status, point.page_size),)
    if point.cursor == "this-query":
        return (Reading(point.status, point.page_size, issued.after),)
    # A cursor reused under another filter or limit, or edited: the page does not say
    # whether the query's or the cursor's own filter and limit then apply; either does.
    statuses = dict.fromkeys((point.status, issued.status))
    sizes = dict.fromkeys((point.page_size, issued.page_size))
    anywhere = point.cursor == "altered"
    after = None if anywhere else issued.after
    read = tuple(Reading(s, n, after, anywhere) for s in statuses for n in sizes)
    if anywhere:
        return read
    # Nor whether a cursor is the item it was issued after or a count of rows (an offset):
    # under another filter the two lead to different places, and either is a reading.
    return read + tuple(Reading(s, n, counted=True) for s in statuses for n in sizes)


def gave_up(answer: Exchange) -> bool:
    """No answer at all, or a 5xx: the target failed the request itself."""
    return answer.error is not None or (answer.status or 0) >= 500


def judge(case: Case, answer: Exchange, truth: Truth) -> list[Violation]:
    """Every way the answer departs from what the page allows for the case."""
    want = expected(case)
    page = read_page(answer, 1, case.point.page_size if want.readings else None)
    if page is None:
        return [] if _error_ok(case.point, answer, want.codes) else [_off(case, answer, want)]
    seen = truth.of(case.point.project)
    strangers = _strangers(case, page, seen) if case.point.project in ("main", "empty") else []
    problems = [mismatch(page, reading, seen) for reading in want.readings]
    if problems and None in problems:
        return strangers
    first = problems[0] if problems else None  # no reading at all: a page is wrong as such
    return [*strangers, _off(case, answer, want, first or "")]


def _off(case: Case, answer: Exchange, want: Expected, why: str = "") -> Violation:
    page = read_page(answer, 1, None)
    got = f"200 with {len(page.items)} items" if page else _got(answer)
    because = f": {why}" if why else ""
    message = f"{case.describe()} answered {got}; expected {want.says()}{because}"
    return Violation(RULE, message, answer, conclusive=_shows_something(answer, want))


def _shows_something(answer: Exchange, want: Expected) -> bool:
    """Whether an answer is evidence: one that could not be read (none, a body cut, a request
    not sent) is not, unless its status alone is one the page does not allow here."""
    if answer.error is None:
        return True
    if answer.status is None:
        return False
    allowed = ({200} if want.readings else set()) | (set(range(400, 500)) if want.codes else set())
    return answer.status not in allowed


def _error_ok(point: Point, answer: Exchange, allowed: frozenset[str]) -> bool:
    code, status = shapes.error_field(answer, "code"), answer.status
    if status is None or not 400 <= status < 500 or code not in allowed:
        return False
    # "404 — Project not found": the one status the page gives (malformed ids may be 4xx).
    return code != "NOT_FOUND" or status == 404 or point.project == "malformed"


def _strangers(case: Case, page: Page, truth: Truth) -> list[Violation]:
    if not truth.complete:
        return []
    # An influencer some walk listed is no stranger, though the widest walk may have skipped
    # it (that walk is then at fault, not this page); nor is one created since the walks.
    where = PROJECT_WORDS[case.point.project]
    return [
        Violation(
            RULE,
            f"{case.describe()} listed {item_id(item)} (position {position}), "
            f"which is not a live influencer of {where}",
            page.exchange,
        )
        for position, item in enumerate(page.items, start=1)
        if not truth.listed(item_id(item)) and not truth.created_since(item)
    ]


def mismatch(page: Page, reading: Reading, truth: Truth) -> str | None:
    """How the page departs from the reading (None: it honours it, or the truth is too short
    to tell: the walks stopped before the place the page shows)."""
    rows = truth.filtered(reading.status)
    if len(page.items) > reading.limit:
        return f"it holds {len(page.items)} items, more than limit {reading.limit}"
    if truth.live(page):
        return live_mismatch(page, reading)
    if reading.anywhere:
        return _out_of_place(page, rows)
    if reading.counted:
        start = _place_of(page, rows)
        if start is None:  # the page opens on an influencer the filter does not list
            return _out_of_place(page, rows) if truth.complete else None
    else:
        start = _start(rows, reading.after, truth)
    if start is None:
        return None
    window = rows.items[start : start + reading.limit]
    known = truth.complete or start + reading.limit < len(rows.items)
    return (
        _count(page, reading, window, known)
        or _wrong_item(page, window, rows, reading)
        or (_cursor(page, len(rows.items) - start, reading.limit) if known else None)
    )


def live_mismatch(page: Page, reading: Reading) -> str | None:
    """How the page departs from what the reading allows on a list that changes: what any
    page must show whenever it is read (its filter, its order, after its cursor, full when
    more follow), without the window the walks saw, which the changes have moved."""
    ids = page.ids
    repeated = next((ident for ident in ids if ids.count(ident) > 1), None)
    if repeated is not None:
        return f"{repeated} appears twice"
    for position, item in enumerate(page.items, start=1):
        wrong = _off_reading(item, reading)
        if wrong:
            return f"item {position} is {item_id(item)}, {wrong}"
    walked = invariants.sorted_newest_first(Traversal((page,), prefix=True))
    if walked:
        return walked[0].message
    if page.next_cursor is not None and len(page.items) < reading.limit:
        return f"it holds {len(page.items)} items and a nextCursor: only the last page is short"
    return None


def _off_reading(item: Item, reading: Reading) -> str:
    if reading.status is not None and item.get("status") != reading.status:
        return f"of status {item.get('status')!r}"
    after = reading.after
    if after is None:
        return ""
    if item_id(item) == item_id(after):
        return "the item the cursor was issued after"
    mine = invariants.parse_timestamp(item.get("createdAt"))
    theirs = invariants.parse_timestamp(after.get("createdAt"))
    newer = mine is not None and theirs is not None and mine > theirs
    return "newer than the item the cursor was issued after" if newer else ""


def _start(rows: Rows, after: Item | None, truth: Truth) -> int | None:
    if after is None or not rows.items:
        return 0
    place = truth.place(item_id(after))
    return None if place is None else rows.before(place)


def _count(page: Page, reading: Reading, window: Sequence[Item], known: bool) -> str | None:
    held, due = len(page.items), len(window)
    if known and held > due:
        return f"it holds {held} items, but only {due} remain"
    if known and reading.after is None and not reading.counted and held < due:
        return f"it holds {held} items; the first page holds min(limit, total) = {due}"
    return None


def _wrong_item(page: Page, window: Sequence[Item], rows: Rows, reading: Reading) -> str | None:
    ids = page.ids
    repeated = next((ident for ident in ids if ids.count(ident) > 1), None)
    if repeated is not None:
        return f"{repeated} appears twice"
    for position, (got, want) in enumerate(zip(page.items, window, strict=False), start=1):
        if reading.after is not None and item_id(got) == item_id(reading.after):
            return f"item {position} is {item_id(got)}, the item the cursor was issued after"
        instant = _instant(got)
        if instant != _instant(want) or not rows.tied(item_id(got), instant):
            return (
                f"item {position} is {item_id(got)} created {got.get('createdAt')}; expected "
                f"{item_id(want)} created {want.get('createdAt')} (or one of its ties)"
            )
    return None


def _cursor(page: Page, remaining: int, limit: int) -> str | None:
    left = remaining - len(page.items)
    if left > 0 and page.next_cursor is None:
        return f"nextCursor is null while {left} more items remain"
    if left <= 0 and page.next_cursor is not None and len(page.items) < limit:
        return "nextCursor is set on a short page with nothing left"
    return None


def _place_of(page: Page, rows: Rows) -> int | None:
    """Where a page read by a count of rows starts: its first item's place among the rows
    (their end, for an empty page); None when the rows do not hold it."""
    if not page.items:
        return len(rows.items)
    return rows.first(item_id(page.items[0]))


def _out_of_place(page: Page, rows: Rows) -> str | None:
    # An edited cursor may lead anywhere: the page must still be the filter's influencers,
    # newest first, each once.
    strange = [ident for ident in page.ids if rows.first(ident) is None]
    if strange:
        return f"{strange[0]} is not one of the influencers the filter lists"
    walked = invariants.sorted_newest_first(Traversal((page,), prefix=True))
    return walked[0].message if walked else None


def _instant(item: Item) -> object:
    # Equal instants written differently (Z vs +00:00) are one tie group.
    return invariants.parse_timestamp(item.get("createdAt")) or item.get("createdAt")


def _got(answer: Exchange) -> str:
    if answer.error is not None:
        return f"no answer ({answer.error})"
    code = shapes.error_field(answer, "code")
    return f"HTTP {answer.status}" + (f" {code}" if isinstance(code, str) else "")


def pages_so_far(pages: list[Page], status: str | None) -> list[Violation]:
    """Pages met by following cursors stay within limit, newest first, disjoint, filtered."""
    walked = Traversal(tuple(pages), prefix=True)
    violations = (
        invariants.pages_within_limit(walked)
        + invariants.sorted_newest_first(walked)
        + invariants.no_repeated_items(walked)
    )
    if status is not None:
        violations += invariants.all_have_status(walked, status)
    return violations


class WalkSoFar:
    """A walk's pages judged as `pages_so_far` judges them, one page at a time, for a
    caller that stops at the first page with a finding. Judging every page again made the
    paging machine quadratic (a quarter of a standard run's main thread); a page that
    provably adds nothing to find now costs its own items, and any other is judged whole."""

    def __init__(self, status: str | None) -> None:
        self.status = status
        self.pages: list[Page] = []
        self._ids: set[str] = set()
        self._last: datetime | None = None  # the last createdAt read, of any page so far
        self._short = True  # every page so far took the short way

    def add(self, page: Page) -> list[Violation]:
        """Add `page` after pages that held nothing to find: what `pages_so_far` finds now."""
        self.pages.append(page)
        if self._short and self._adds_nothing(page):
            return []
        self._short = False
        return pages_so_far(self.pages, self.status)

    def _adds_nothing(self, page: Page) -> bool:
        """Each check of `pages_so_far`, for `page` after clean pages: within its limit,
        of the status, no id met before or twice, no createdAt newer than the one before."""
        if not all(isinstance(item, dict) for item in page.items):
            return False
        alone = Traversal((page,), prefix=True)
        if invariants.pages_within_limit(alone) or (
            self.status is not None and invariants.all_have_status(alone, self.status)
        ):
            return False
        ids = {item_id(item) for item in page.items}
        if len(ids) < len(page.items) or not self._ids.isdisjoint(ids):
            return False
        last = self._last
        for item in page.items:
            created = invariants.parse_timestamp(item.get("createdAt"))
            if created is None:
                continue
            if last is not None and created > last:
                return False
            last = created
        self._ids |= ids
        self._last = last
        return True
