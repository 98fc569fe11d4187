"""Faults of `limit`: defaults, bounds, clamping and parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from layers_conformance.reference.hooks import Fault, with_rules
from layers_conformance.reference.model import Crash, ListQuery, PageRequest, strict_limit


def _int_of_float(raw: str) -> int:
    return int(float(raw))


def _absolute(raw: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise ValueError(f"limit={raw!r} must be an integer")
    return abs(int(raw))


def _zero_is_default(raw: str) -> int:
    return strict_limit(raw) or 25


def _unguarded_int(raw: str) -> int:
    if not raw.isdigit():
        raise Crash(f"invalid literal for int(): {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class DefaultLimit20(Fault):
    """Without `limit`, pages hold 20 items."""

    name = "default_limit_20"
    breaks = ("LIMIT-DEFAULT-001",)
    # Walks at the default size hold 20 a page, short of 25 before the last, and the query
    # space's pages without a limit hold 20.
    also = ("LIMIT-FULL-001", "QUERY-VALIDATION-001")
    knobs = with_rules(default_limit=20)


@dataclass(frozen=True)
class DefaultLimit100(Fault):
    """Without `limit`, pages hold 100 items."""

    name = "default_limit_100"
    breaks = ("LIMIT-DEFAULT-001",)
    # A page without a limit holds 100, over the default 25: every such page of a walk and of
    # the query space.
    also = ("LIMIT-MAX-001", "QUERY-VALIDATION-001")
    knobs = with_rules(default_limit=100)


@dataclass(frozen=True)
class LimitPlusOne(Fault):
    """Every page shows its look-ahead row too: one item more than the limit."""

    name = "limit_plus_one"
    breaks = ("LIMIT-MAX-001", "LIMIT-DEFAULT-001", "TRAV-PAGING-001")
    # Every first page holds one more than its limit, the query space's pages too.
    also = ("LIMIT-SIZE-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return replace(query, limit=query.limit + 1, fetch=query.fetch + 1)


@dataclass(frozen=True)
class LimitIgnoredAfterCursor(Fault):
    """Pages after the first use the default size, whatever `limit` says."""

    name = "limit_ignored_after_cursor"
    breaks = ("LIMIT-MAX-001", "TRAV-PAGING-001")
    # Pages after a cursor hold the default 25 whatever the limit: short pages before the
    # last, and the query space's cases with a cursor.
    also = ("LIMIT-FULL-001", "QUERY-VALIDATION-001")

    def query(self, query: ListQuery, request: PageRequest) -> ListQuery:
        return query if request.after is None else replace(query, limit=25, fetch=26)


@dataclass(frozen=True)
class ClampAbove100(Fault):
    """A limit above 100 is served as 100 instead of rejected."""

    name = "clamp_above_100"
    breaks = ("LIMIT-RANGE-001",)
    # The query space's cases with a limit above 100 get a page too.
    # Large values that are not plain integers are clamped too.
    also = ("QUERY-VALIDATION-001", "LIMIT-INTEGER-001")
    knobs = with_rules(clamp_high=True)


@dataclass(frozen=True)
class ClampBelow1(Fault):
    """A limit of 0 is served as 1 instead of rejected."""

    name = "clamp_below_1"
    breaks = ("LIMIT-RANGE-001",)
    # limit=0 gets a page, not VALIDATION: the error sample the error checks read is that
    # page, and the query space's cases out of range get pages.
    also = ("ERR-ENVELOPE-001", "ERR-REQID-PREFIX-001", "QUERY-VALIDATION-001")
    knobs = with_rules(clamp_low=True)


@dataclass(frozen=True)
class NegativeLimitAccepted(Fault):
    """A negative limit is read as its absolute value."""

    name = "negative_limit_accepted"
    breaks = ("LIMIT-RANGE-001",)
    # The query space's cases with a negative limit get a page too.
    # Near misses of a limit with a sign are read as values too (the SHOULD that they be
    # refused).
    also = ("QUERY-VALIDATION-001", "QUERY-STRICT-001")
    knobs = with_rules(read_limit=_absolute)


@dataclass(frozen=True)
class ZeroLimitMeansDefault(Fault):
    """`limit=0` falls back to the default (`limit or 25`)."""

    name = "zero_limit_means_default"
    breaks = ("LIMIT-RANGE-001",)
    # limit=0 gets a page, not VALIDATION: the error sample the error checks read is that
    # page, and the query space's cases with limit=0 get pages.
    also = ("ERR-ENVELOPE-001", "ERR-REQID-PREFIX-001", "QUERY-VALIDATION-001")
    knobs = with_rules(read_limit=_zero_is_default)


@dataclass(frozen=True)
class MaxLimit50(Fault):
    """Limits above 50 are rejected, though the page allows up to 100."""

    name = "max_limit_50"
    breaks = ("LIMIT-BOUNDS-001",)
    # Every page asked with a limit above 50 holds 50: the first pages at 51-100, the query
    # space's and the paging machine's pages too.
    also = ("LIMIT-SIZE-001", "QUERY-VALIDATION-001", "TRAV-PAGING-001")
    knobs = with_rules(max_limit=50)


@dataclass(frozen=True)
class MinLimit2(Fault):
    """`limit=1` is rejected: the lower bound is off by one."""

    name = "min_limit_2"
    breaks = ("LIMIT-BOUNDS-001",)
    # Every request at limit=1 is refused: the first page at limit 1, the query space's cases
    # and the paging machine's pages at that limit.
    also = ("LIMIT-SIZE-001", "QUERY-VALIDATION-001", "TRAV-PAGING-001")
    knobs = with_rules(min_limit=2)


@dataclass(frozen=True)
class LenientLimitParse(Fault):
    """The limit is parsed as `int(float(x))`, so `2.5` and `1e1` are accepted."""

    name = "lenient_limit_parse"
    breaks = ("LIMIT-INTEGER-001",)
    # Near misses of a limit are read as values (the SHOULD that they be refused), and the
    # query space's cases of them get pages.
    also = ("QUERY-STRICT-001", "QUERY-VALIDATION-001")
    knobs = with_rules(read_limit=_int_of_float)


@dataclass(frozen=True)
class NonNumericLimit500(Fault):
    """A limit that is not digits crashes the handler: 500."""

    name = "non_numeric_limit_500"
    breaks = ("LIMIT-INTEGER-001", "QUERY-VALIDATION-001")
    # Out-of-range limits that are not digits (a minus sign) fail with the 500 too.
    # Near misses of a limit that are not digits fail with the 500 too (the SHOULD that they
    # be refused).
    also = ("LIMIT-RANGE-001", "QUERY-STRICT-001")
    knobs = with_rules(read_limit=_unguarded_int)


ALL: tuple[Fault, ...] = (
    DefaultLimit20(),
    DefaultLimit100(),
    LimitPlusOne(),
    LimitIgnoredAfterCursor(),
    ClampAbove100(),
    ClampBelow1(),
    NegativeLimitAccepted(),
    ZeroLimitMeansDefault(),
    MaxLimit50(),
    MinLimit2(),
    LenientLimitParse(),
    NonNumericLimit500(),
)
