"""Faults of near misses: lenient parsers, ids in another spelling, empty values, the end of
the list at small page sizes, and an org check that depends on the header the key came in.

Each class has several instances, each reachable by another near miss, so that no single
special case in the suite catches them all."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from layers_conformance.reference.cursor import Cursor, SignedCodec
from layers_conformance.reference.hooks import Fault, Json, PageSlice, with_rules
from layers_conformance.reference.model import Crash, PageRequest, strict_limit

# Page sizes at which the end-of-list faults show: smaller than any walk that reaches the end
# of the reference's list within its share, so only a walk of the list's tail sees them.
SMALL_PAGES = 3


def _python_int(raw: str) -> int:
    return int(raw)


def _unicode_digits(raw: str) -> int:
    if not re.fullmatch(r"\d+", raw):  # `\d` of a str pattern: any script's decimal digits
        raise ValueError(raw)
    return int(raw)


def _grouped(raw: str) -> int:
    return strict_limit(raw.replace(",", "").replace("_", ""))


def _stripped(raw: str) -> int:
    return strict_limit(raw.strip())


def _status_stripped(raw: str) -> str:
    return raw.strip()


def _status_normalised(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).casefold()


def _status_prefix(raw: str) -> str:
    matches = [s for s in ("draft", "pending", "training", "ready", "failed") if s.startswith(raw)]
    return matches[0] if raw and len(matches) == 1 else raw


def _empty_limit_crashes(raw: str) -> int:
    if raw == "":
        raise Crash("invalid literal for int() with base 10: ''")
    return strict_limit(raw)


def _empty_status_crashes(raw: str) -> str:
    if raw == "":
        raise Crash("Status('') is not a valid Status")
    return raw


@dataclass(frozen=True)
class _EmptyCursorCrashes(SignedCodec):
    def decode(self, token: str) -> Cursor:
        if token == "":
            raise Crash("cursor payload is empty")
        return super().decode(token)


def _lower_case(written: str) -> str:
    return written.lower()


def _unwrapped(written: str) -> str:
    return written.removeprefix("urn:uuid:").removeprefix("{").removesuffix("}")


def _trimmed(written: str) -> str:
    return written.strip()


def _decoded_again(written: str) -> str:
    return unquote(written)


@dataclass(frozen=True)
class LimitReadByInt(Fault):
    """The limit is read by `int()`: any whitespace, `+`, `1_0`, any script's digits pass."""

    name = "limit_read_by_int"
    breaks = ("LIMIT-INTEGER-001",)
    # Near misses of a limit are read as values (the SHOULD that they be refused), and the
    # query space's cases of them get pages.
    also = ("QUERY-STRICT-001", "QUERY-VALIDATION-001")
    knobs = with_rules(read_limit=_python_int)


@dataclass(frozen=True)
class LimitUnicodeDigits(Fault):
    """The limit is checked with a Unicode `\\d+`: fullwidth or Arabic-Indic digits pass."""

    name = "limit_unicode_digits"
    breaks = ("LIMIT-INTEGER-001",)
    # Near misses of a limit are read as values (the SHOULD that they be refused), and the
    # query space's cases of them get pages.
    also = ("QUERY-STRICT-001", "QUERY-VALIDATION-001")
    knobs = with_rules(read_limit=_unicode_digits)


@dataclass(frozen=True)
class LimitDigitGrouping(Fault):
    """Digit separators are dropped before the limit is read: `1,0` and `1_0` are 10."""

    name = "limit_digit_grouping"
    breaks = ("LIMIT-INTEGER-001",)
    knobs = with_rules(read_limit=_grouped)


@dataclass(frozen=True)
class LimitStripped(Fault):
    """The limit is `strip()`ped of any whitespace first: a line feed or no-break space passes."""

    name = "limit_stripped"
    breaks = ("LIMIT-INTEGER-001",)
    # A limit with whitespace is a near miss read as the value: the SHOULD that near misses
    # be refused.
    also = ("QUERY-STRICT-001",)
    knobs = with_rules(read_limit=_stripped)


@dataclass(frozen=True)
class StatusStripped(Fault):
    """The status is `strip()`ped of any whitespace first: `ready` with a line feed filters."""

    name = "status_stripped"
    breaks = ("STATUS-REJECT-001",)
    # A status with whitespace is a near miss read as the value: the SHOULD that near misses
    # be refused.
    also = ("QUERY-STRICT-001",)
    knobs = with_rules(read_status=_status_stripped)


@dataclass(frozen=True)
class StatusNormalised(Fault):
    """The status is NFKC-normalised and case-folded: fullwidth or title-case words filter."""

    name = "status_normalised"
    breaks = ("STATUS-REJECT-001",)
    # The query space's cases with a status in another case get a page too.
    also = ("QUERY-VALIDATION-001",)
    knobs = with_rules(read_status=_status_normalised)


@dataclass(frozen=True)
class StatusPrefixMatched(Fault):
    """A status is matched by its unique prefix: `rea` filters as `ready`."""

    name = "status_prefix_matched"
    breaks = ("STATUS-REJECT-001",)
    knobs = with_rules(read_status=_status_prefix)


@dataclass(frozen=True)
class EmptyLimit500(Fault):
    """`limit=` (given, empty) crashes the integer cast: 500."""

    name = "empty_limit_500"
    breaks = ("LIMIT-INTEGER-001",)
    knobs = with_rules(read_limit=_empty_limit_crashes)


@dataclass(frozen=True)
class EmptyStatus500(Fault):
    """`status=` (given, empty) crashes the enum lookup: 500."""

    name = "empty_status_500"
    breaks = ("STATUS-REJECT-001",)
    knobs = with_rules(read_status=_empty_status_crashes)


@dataclass(frozen=True)
class EmptyCursor500(Fault):
    """`cursor=` (given, empty) crashes the decoder: 500."""

    name = "empty_cursor_500"
    breaks = ("CURSOR-INVALID-001",)
    knobs = with_rules(codec=_EmptyCursorCrashes)


@dataclass(frozen=True)
class ForeignIdUpperCase(Fault):
    """The store reads the id case-blind, the org check as written: upper case lists any org's."""

    name = "foreign_id_upper_case"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(read_project=_lower_case, org_check="as-written")


@dataclass(frozen=True)
class ForeignIdUnwrapped(Fault):
    """The store unwraps `{uuid}` and `urn:uuid:`, the org check does not: any org's lists."""

    name = "foreign_id_unwrapped"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(read_project=_unwrapped, org_check="as-written")


@dataclass(frozen=True)
class ForeignIdTrimmed(Fault):
    """The store trims the id, the org check does not: any org's project, blanks around, lists."""

    name = "foreign_id_trimmed"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(read_project=_trimmed, org_check="as-written")


@dataclass(frozen=True)
class ForeignIdDecodedTwice(Fault):
    """The store percent-decodes the id again, the org check does not: any org's project lists."""

    name = "foreign_id_decoded_twice"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(read_project=_decoded_again, org_check="as-written")


@dataclass(frozen=True)
class BearerSkipsOrgCheck(Fault):
    """A key sent as `Authorization: Bearer` skips the org check: other orgs' projects list."""

    name = "bearer_skips_org_check"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(org_check="not-for-bearer")


@dataclass(frozen=True)
class LoopAtEndOfSmallPages(Fault):
    """At a page size of 3 or less, the last page hands out a cursor to itself: walks never end."""

    name = "loop_at_end_of_small_pages"
    breaks = ("TRAV-NODUP-001",)

    def next_cursor(self, decided: Cursor | None, page: PageSlice) -> Cursor | None:
        request = page.request
        if decided is not None or request.limit > SMALL_PAGES or request.after is None:
            return decided
        return Cursor(
            request.project_id, request.status, request.after, request.page, request.limit
        )


@dataclass(frozen=True)
class LastItemLostAtSmallPages(Fault):
    """At a page size of 3 or less, the last page after a cursor drops its last item."""

    name = "last_item_lost_at_small_pages"
    breaks = ("TRAV-CONSISTENT-001",)

    def page(self, body: Json, request: PageRequest) -> Json:
        last = body["nextCursor"] is None and request.after is not None
        if not last or request.limit > SMALL_PAGES or not body["items"]:
            return body
        return {**body, "items": body["items"][:-1]}


ALL: tuple[Fault, ...] = (
    LimitReadByInt(),
    LimitUnicodeDigits(),
    LimitDigitGrouping(),
    LimitStripped(),
    StatusStripped(),
    StatusNormalised(),
    StatusPrefixMatched(),
    EmptyLimit500(),
    EmptyStatus500(),
    EmptyCursor500(),
    ForeignIdUpperCase(),
    ForeignIdUnwrapped(),
    ForeignIdTrimmed(),
    ForeignIdDecodedTwice(),
    BearerSkipsOrgCheck(),
    LoopAtEndOfSmallPages(),
    LastItemLostAtSmallPages(),
)
