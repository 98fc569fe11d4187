"""The query space: every request the endpoint can be sent, as five dimensions of classes.

A request is a point: the project in its path, its `limit`, its `status`, where its cursor
came from, and the key it carries in one of the two headers the page shows. Each dimension's
values are classes (a limit of 2-99, a status outside the five), listed clean first: a
point built from first values is the plain request every example on the page sends.

Which points a target allows depends on its fixtures (no empty project, no key without
scope) and on its data (a status with 5 influencers issues no cursor at limit 100): `Offer`
says which, so coverage is counted over the points that can exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from layers_conformance.checks import params
from layers_conformance.core.pages import Item

Classes = tuple[str, str, str, str, str]  # one class per dimension, in DIMENSIONS' order
Params = tuple[tuple[str, str], ...]

PROJECTS = ("main", "empty", "unknown", "malformed", "foreign")
LIMITS = ("absent", "1", "2-99", "100", "out-of-range", "not-integer")
STATUS_CLASSES = ("absent", *params.STATUSES, "invalid")
ORIGINS = (
    "none",
    "this-query",
    "other-status",
    "other-limit",
    "other-project",
    "other-org",
    "altered",
    "truncated",
    "garbage",
)
OTHER_HEADER = "/other-header"
KEYS = (
    "full",
    "full" + OTHER_HEADER,
    "no-scope",
    "no-scope" + OTHER_HEADER,
    "invalid",
    "invalid" + OTHER_HEADER,
    "missing",
)
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "project": PROJECTS,
    "limit": LIMITS,
    "status": STATUS_CLASSES,
    "cursor": ORIGINS,
    "key": KEYS,
}
# Values that rule out any page, whatever else the request says: only an error may answer.
HARD = frozenset(
    {"unknown", "malformed", "foreign", "out-of-range", "not-integer", "invalid"}
    | {"other-org", "truncated", "garbage"}
    | {"no-scope", "no-scope" + OTHER_HEADER, "invalid" + OTHER_HEADER, "missing"}
)
# Values that leave a page possible but let an error answer too: a cursor issued elsewhere or
# edited, a key in the header the target may not read. With HARD, the request's defects.
SOFT = frozenset({"other-status", "other-limit", "other-project", "altered", "full" + OTHER_HEADER})
VALID_LIMITS = ("absent", "1", "2-99", "100")
# The smallest limit of each valid class: a cursor exists at that class when more items remain.
SMALLEST = {"absent": params.DEFAULT_LIMIT, "1": 1, "2-99": 2, "100": 100}
ORIGIN_WORDS = {
    "none": "",
    "this-query": "with a cursor issued for this very query",
    "other-status": "with a cursor issued under {status}",
    "other-limit": "with a cursor issued at {limit}",
    "other-project": "with a cursor issued for the main project",
    "other-org": "with a cursor issued to another org",
    "altered": "with an altered cursor",
    "truncated": "with a truncated cursor",
    "garbage": "with a made-up cursor",
}
KEY_WORDS = {
    "full": "full-scope key",
    "full" + OTHER_HEADER: "full-scope key in the other header",
    "no-scope": "key without scope",
    "no-scope" + OTHER_HEADER: "key without scope in the other header",
    "invalid": "invalid key",
    "invalid" + OTHER_HEADER: "invalid key in the other header",
    "missing": "no key",
}
PROJECT_WORDS = {
    "main": "the main project",
    "empty": "the empty project",
    "unknown": "an unknown project",
    "malformed": "a malformed project id",
    "foreign": "another org's project",
}


def limit_class(raw: str | None) -> str:
    """The class of a limit as sent."""
    if raw is None:
        return "absent"
    if params.limit_is_valid(raw):
        return raw if raw in ("1", "100") else "2-99"
    return "out-of-range" if params.CANONICAL_INTEGER.fullmatch(raw) else "not-integer"


def status_class(raw: str | None) -> str:
    """The class of a status filter as sent."""
    if raw is None:
        return "absent"
    return raw if params.status_is_valid(raw) else "invalid"


def is_hard(value: str) -> bool:
    """A value that rules out any page (a dimension's class name)."""
    return value in HARD


def is_defect(value: str) -> bool:
    """A value an error may answer for (a hard one, or one that leaves a page possible)."""
    return value in HARD or value in SOFT


@dataclass(frozen=True)
class Point:
    """One request of the space: limit and status as sent, the other dimensions as classes."""

    project: str
    limit: str | None
    status: str | None
    cursor: str
    key: str

    @property
    def classes(self) -> Classes:
        limit, status = limit_class(self.limit), status_class(self.status)
        return (self.project, limit, status, self.cursor, self.key)

    @property
    def page_size(self) -> int:
        """The limit a page of this request holds (the default when none is sent)."""
        return int(self.limit) if self.limit is not None else params.DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)  # one for every page a walk met: kept small
class Issued:
    """A real cursor of the main project: the filter and limit it was made under, and the
    last item of the page that handed it out (the next page starts after it)."""

    text: str
    status: str | None
    limit: int | None
    after: Item

    @property
    def page_size(self) -> int:
        return self.limit if self.limit is not None else params.DEFAULT_LIMIT


@dataclass(frozen=True)
class Case:
    """A point made concrete: the cursor it sends, and the real cursor it is or was made from."""

    point: Point
    cursor: str | None = None
    issued: Issued | None = None

    def params(self) -> Params:
        named = (("limit", self.point.limit), ("status", self.point.status))
        present = tuple((name, value) for name, value in named if value is not None)
        return present + ((("cursor", self.cursor),) if self.cursor is not None else ())

    def describe(self) -> str:
        """The request in words: its project, query, cursor and key."""
        point = self.point
        query = "&".join(f"{n}={v}" for n, v in self.params() if n != "cursor")
        query = query or "no limit or status"
        words = ORIGIN_WORDS[point.cursor].format(
            status=f"status={self.issued.status}" if self.issued else "another status",
            limit=f"limit={self.issued.limit}" if self.issued else "another limit",
        )
        cursor = f" {words}" if words else ""
        return f"{query}{cursor} on {PROJECT_WORDS[point.project]}, {KEY_WORDS[point.key]}"


@dataclass(frozen=True)
class Offer:
    """What one target allows: its fixture projects, the keys it can send, and how many
    influencers of the main project each status filter lists (at least; None: unfiltered)."""

    projects: frozenset[str]
    keys: frozenset[str]
    counts: Mapping[str | None, int]

    def feasible(self, classes: Classes) -> bool:
        """The point can be sent to this target."""
        project, limit, status, cursor, key = classes
        if project not in self.projects or key not in self.keys:
            return False
        return self._cursor_fits(project, limit, status, cursor)

    def issues(self, status: str | None, limit: str) -> bool:
        """The main project's first page at this status filter and limit class has a cursor."""
        return self.counts.get(status, 0) > SMALLEST[limit]

    def _cursor_fits(self, project: str, limit: str, status: str, cursor: str) -> bool:
        filtered = None if status == "absent" else status
        if cursor in ("none", "garbage"):
            return True
        any_cursor = self.issues(None, "1")
        if cursor in ("altered", "truncated"):
            return any_cursor
        if cursor == "other-org":
            return project == "foreign" and any_cursor
        if cursor == "other-project":
            return project in ("empty", "unknown", "malformed") and any_cursor
        if project != "main":
            return False
        if cursor == "other-status":
            return any(self.issues(s, "1") for s in (None, *params.STATUSES) if s != filtered)
        valid = status != "invalid"
        if cursor == "other-limit":
            return valid and self.issues(filtered, "2-99")
        return valid and limit in VALID_LIMITS and self.issues(filtered, limit)


def offer(
    projects: Mapping[str, object],
    has_key_without_scope: bool,
    count: Callable[[str | None], int],
) -> Offer:
    """The offer of a target: projects whose fixture is given (None: not given), and counts
    of the main project's listing as walked under each filter (`count`: of a million
    influencers on a large list, counted once for every page judged against them)."""
    keys = [k for k in KEYS if has_key_without_scope or not k.startswith("no-scope")]
    counts = {status: count(status) for status in (None, *params.STATUSES)}
    given = frozenset(name for name, value in projects.items() if value is not None)
    return Offer(given, frozenset(keys), counts)
