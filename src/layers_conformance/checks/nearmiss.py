"""The documented form of each input, its near misses, and what the page allows for them.

A near miss is a spelling sent in place of a documented value: what a lenient parser (a
language's integer parser, a `strip()`, a case fold, a uuid cast) may read as that value.
Each is derived from the documented value by one systematic change (whitespace of every
kind, case, non-ASCII digits and look-alike letters, separators, signs, leading zeros,
decimal and exponent forms, an empty value, the bare name without `=`, a repeated name, a
name or value percent-encoded on the wire, `+` for a blank, double encoding, length).

The page allows exactly its documented values, so a near miss is *closed* (only an error
answers it: VALIDATION for a query value, NOT_FOUND or VALIDATION for a project id) unless
the catalogue records room for its reading: a blank (space or tab) around a value, leading
zeros or a plus sign on `limit`, an empty value read as absent, a repeated name read as one
of its values, a bare name read as empty or absent, a uuid written in another of its
spellings. Such a near miss is *open*: a page must then be the page of a value it stands for
(`readings`), and, for a query value, the strict reading (VALIDATION) is the SHOULD
QUERY-STRICT-001. A name or value percent-encoded on the wire (`%37`, `%6Cimit`) *is* the
value it decodes to, as every URL parser reads it (RFC 3986 2.1, 2.3; WHATWG's
application/x-www-form-urlencoded): open as well, its page being no leniency, so the strict
SHOULD does not ask for VALIDATION there (`standard`). Never a 5xx, never a page for a value
no reading allows, never another org's data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from layers_conformance.checks import queries, shapes
from layers_conformance.checks.params import DEFAULT_LIMIT
from layers_conformance.checks.queries import Reading, Truth
from layers_conformance.checks.violations import Violation
from layers_conformance.core.exchange import Exchange, Pairs, RawQuery
from layers_conformance.core.pages import Page, item_id, read_page

# "A blank around a value": POSIX's [:blank:], a space or a tab. Every other kind of
# whitespace is no blank: a line break, a no-break space, an em space, an ideographic space,
# and the zero-width characters no trim removes.
BLANKS = (" ", "\t")
OTHER_SPACES = ("\n", "\u00a0", "\u3000", "\u200b", "\ufeff")
# The documented value each query near miss is made from, and the one it stands for.
LIMIT = "7"
# A project id that is no uuid (its last character is not hex), written in every spelling too.
MALFORMED_UUID = "00000000-0000-0000-0000-00000000000g"
STATUS = "ready"
RULE = "near_miss"
SUPERSCRIPTS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
# The page whose items a near miss must show when read as a documented query (the reading's).
PageOf = Callable[[Pairs], Page | None]
# On a list in use: what a page of that reading must show whenever it is read (its filter,
# its size, its order), since the documented value's page, read at another time, may differ.
ReadingOf = Callable[[Pairs], Reading]


@dataclass(frozen=True)
class NearMiss:
    """A value sent under `name` (twice for a repeated name) in place of a documented one,
    with the documented pairs `beside` it; or, where pairs cannot say it, the query string
    as sent (`wire`)."""

    name: str
    sent: tuple[str, ...]
    kind: str
    # The documented values it may be read as (None: the parameter absent); none: closed.
    readings: tuple[str | None, ...] = ()
    beside: Pairs = ()
    wire: str | None = None
    # Its readings are the URL's own decoding, not a lenient parser's: no strict SHOULD.
    standard: bool = False

    @property
    def open(self) -> bool:
        """The page leaves room for reading it as a documented value."""
        return bool(self.readings)

    def query(self) -> Pairs | RawQuery:
        """The query of this near miss, with nothing else wrong."""
        if self.wire is not None:
            return RawQuery(self.wire)
        return self.beside + tuple((self.name, value) for value in self.sent)

    def documented(self, reading: str | None) -> Pairs:
        """The documented query it stands for when read as `reading`."""
        return self.beside + (((self.name, reading),) if reading is not None else ())

    def describe(self) -> str:
        return f"{self.kind} {self.as_sent()}"

    def as_sent(self) -> str:
        """Its query as it goes on the wire (percent-encoded)."""
        if self.wire is not None:
            return self.wire
        return "&".join(f"{self.name}={quote(v, safe='')}" for v in self.sent)


def limit_near_misses(value: str = LIMIT) -> tuple[NearMiss, ...]:
    """Near misses of a limit written as decimal digits (1-100, no leading zero)."""
    number = int(value)
    closed = {
        "arabic-indic digits": "".join(chr(0x0660 + int(d)) for d in value),
        "fullwidth digits": "".join(chr(0xFF10 + int(d)) for d in value),
        "devanagari digits": "".join(chr(0x0966 + int(d)) for d in value),
        "superscript digits": "".join(SUPERSCRIPTS[int(d)] for d in value),
        "digit separator _": "1_0",
        "digit separator ,": "1,0",
        "inner blank": "1 0",
        "look-alike letter O": "1O",
        "look-alike letter l": "l0",
        "decimal": f"{value}.0",
        "exponent": f"{value}e0",
        "hexadecimal": f"0x{number:x}",
        "unicode minus": f"\u2212{value}",
        "double sign": f"++{value}",
        "double-encoded": f"%{ord(value[0]):02X}{value[1:]}",
        "very long": "1" * 4096,
    }
    closed |= _spaced(value)
    opened: dict[str, tuple[str, ...]] = {
        "leading zero": (f"0{value}",),
        "leading zeros": (f"000{value}",),
        "plus sign": (f"+{value}",),
        "blank before": (f" {value}",),
        "blank after": (f"{value} ",),
        "tab around": (f"\t{value}\t",),
        "repeated, same value": (value, value),
    }
    misses = [NearMiss("limit", (text,), kind) for kind, text in closed.items()]
    misses += [NearMiss("limit", sent, kind, (value,)) for kind, sent in opened.items()]
    misses.append(NearMiss("limit", ("",), "empty value", (None,)))
    other = str(number + 1)
    misses.append(NearMiss("limit", (value, other), "repeated, two values", (value, other)))
    return (*misses, *_on_the_wire("limit", value, ("status", STATUS)))


def status_near_misses(value: str = STATUS) -> tuple[NearMiss, ...]:
    """Near misses of a status: exactly one of the five words, in lower case."""
    closed = {
        "title case": value.title(),
        "upper case": value.upper(),
        "one letter upper": value[:-1] + value[-1].upper(),
        "prefix": value[:3],
        "doubled letter": value + value[-1],
        "fullwidth letters": "".join(chr(ord(c) - 0x20 + 0xFF00) for c in value),
        "cyrillic look-alike": value.replace("e", "\u0435").replace("a", "\u0430"),
        "inner blank": f"{value[:2]} {value[2:]}",
        "double-encoded": f"%{ord(value[0]):02x}{value[1:]}",
        "very long": value * 600,
    }
    closed |= _spaced(value)
    opened: dict[str, tuple[str, ...]] = {
        "blank before": (f" {value}",),
        "blank after": (f"{value} ",),
        "tab around": (f"\t{value}\t",),
        "repeated, same value": (value, value),
    }
    misses = [NearMiss("status", (text,), kind) for kind, text in closed.items()]
    misses += [NearMiss("status", sent, kind, (value,)) for kind, sent in opened.items()]
    misses.append(NearMiss("status", ("",), "empty value", (None,)))
    misses.append(NearMiss("status", (value, "draft"), "repeated, two values", (value, "draft")))
    upper = f"status=%{ord(value[0].upper()):02X}{value[1:]}"
    misses.append(NearMiss("status", (), "upper-case letter percent-encoded", wire=upper))
    return (*misses, *_on_the_wire("status", value, ("limit", LIMIT)))


def cursor_near_misses() -> tuple[NearMiss, ...]:
    """Near misses of a cursor that hold no cursor at all (edits of a real one are the query
    space's altered and truncated cursors), each beside `limit=1`: an empty value or the bare
    name, read as absent or rejected."""
    one = (("limit", "1"),)
    return (
        NearMiss("cursor", ("",), "empty value", (None,), one),
        NearMiss("cursor", (), "bare name after another", (None,), one, "limit=1&cursor"),
        NearMiss("cursor", (), "bare name before another", (None,), one, "cursor&limit=1"),
    )


def _on_the_wire(name: str, value: str, other: tuple[str, str]) -> tuple[NearMiss, ...]:
    """The near misses only a raw query string says: the bare name (alone, and beside another
    parameter on either side), `+` and `%20` for a blank, and the value, the name and the `=`
    percent-encoded (hex digits in either case), each once."""
    pair = f"{other[0]}={other[1]}"
    escaped = "".join(f"%{ord(c):02x}" for c in value)
    lenient: dict[str, tuple[str | None, str]] = {
        "bare name": (None, name),
        "bare name before another": (None, f"{name}&{pair}"),
        "bare name after another": (None, f"{pair}&{name}"),
        "+ for a blank before": (value, f"{name}=+{value}"),
        "+ for a blank after": (value, f"{name}={value}+"),
        "%20 for a blank before": (value, f"{name}=%20{value}"),
    }
    standard: dict[str, tuple[str | None, str]] = {
        "value percent-encoded": (value, f"{name}=%{ord(value[0]):02X}{value[1:]}"),
        "value percent-encoded whole": (value, f"{name}={escaped}"),
        "name percent-encoded, upper-case hex": (value, f"%{ord(name[0]):02X}{name[1:]}={value}"),
        "name percent-encoded, lower-case hex": (value, f"%{ord(name[0]):02x}{name[1:]}={value}"),
        # `name=value` is the name of an unknown parameter: ignored (no `name`) or VALIDATION.
        "= percent-encoded": (None, f"{name}%3D{value}"),
    }
    found: dict[str, NearMiss] = {}
    for table, decoded in ((lenient, False), (standard, True)):
        for kind, (reading, wire) in table.items():
            beside = (other,) if pair in wire else ()
            miss = NearMiss(name, (), kind, (reading,), beside, wire, decoded)
            found.setdefault(wire, miss)  # a spelling two changes make alike is sent once
    return tuple(found.values())


def _spaced(value: str) -> dict[str, str]:
    # Whitespace that is no blank, around the value: what `strip()` or `int()` removes.
    named = {"\n": "line feed", "\u00a0": "no-break space", "\u3000": "ideographic space"}
    named |= {"\u200b": "zero-width space", "\ufeff": "zero-width no-break space"}
    found = {f"{named[s]} after": value + s for s in OTHER_SPACES}
    found |= {f"{named[s]} before": s + value for s in ("\n", "\u00a0")}
    return found


def judge(
    miss: NearMiss,
    answer: Exchange,
    page_of: PageOf,
    live: ReadingOf | None = None,
    truth: Truth | None = None,
) -> list[Violation]:
    """The MUST: VALIDATION, or (open only) the page of a value it may be read as. On a list
    that changed while it was read (`live` given) the page is judged as any page of that
    reading must be, whenever read, not against the value's own page read at another time;
    so it is too when the two pages differ and either shows a change since the walks (`truth`:
    an influencer they never saw, or one whose status moved): a run outlasts its walks."""
    if answer.status is not None and 400 <= answer.status < 500:
        return shapes.answers_error(answer, {"VALIDATION"})
    page = read_page(answer, 1, None) if answer.status == 200 else None
    if page is None and miss.open and answer.status == 200 and _a_reading_is_no_page(miss, page_of):
        return []  # the documented value's own answer is not a page either: its check says so
    if page is None or not miss.open:
        allowed = _allowed(miss)
        return [_off(miss, answer, f"expected {allowed}")]
    return _same_as_a_reading(miss, page, page_of, live, truth)


def _a_reading_is_no_page(miss: NearMiss, page_of: PageOf) -> bool:
    return any(page_of(miss.documented(reading)) is None for reading in miss.readings)


def strictly_rejected(miss: NearMiss, answer: Exchange) -> list[Violation]:
    """The SHOULD of an open near miss a lenient parser reads: the strict reading, VALIDATION."""
    if not miss.open or miss.standard or answer.status != 200:
        return []
    return [_off(miss, answer, "the strict reading expects VALIDATION (QUERY-STRICT-001)")]


def _same_as_a_reading(
    miss: NearMiss, page: Page, page_of: PageOf, live: ReadingOf | None, truth: Truth | None
) -> list[Violation]:
    differences = []
    for reading in miss.readings:
        query = miss.documented(reading)
        if live is not None:
            difference = _unlike_any_page_of(page, live(query))
        else:
            documented = page_of(query)
            if documented is None:
                return []  # the documented value's own page is not a page: its own check says so
            difference = _difference(page, documented)
            if difference is not None and _changed_since(truth, page, documented):
                difference = _unlike_any_page_of(page, reading_asked(query))
        if difference is None:
            return []
        differences.append(f"not the page of {_shown(miss, reading)}: {difference}")
    return [_off(miss, page.exchange, "; ".join(differences))]


def _changed_since(truth: Truth | None, *pages: Page) -> bool:
    """Whether the walks saw the list change, or a page shows a change since them: two pages
    read at different times may then differ by that change. (Not the time alone: a near miss
    and its documented value are read side by side, and an empty page for `status=%72eady`
    is no change.)"""
    if truth is None:
        return False
    return not truth.still or any(truth.shows_change(page) for page in pages)


def reading_asked(query: Pairs) -> Reading:
    """The reading a documented query asks for: its status and limit."""
    values = dict(query)
    return Reading(values.get("status"), int(values.get("limit", DEFAULT_LIMIT)))


def _first_page_difference(page: Page, own: Page, live: Truth | None) -> str | None:
    """How a first page departs from the main project's own (`own`, read at another time):
    strictly, unless the list changed (`live`, what the walks saw), then as any first page of
    the main project must be, whenever read."""
    difference = _difference(page, own)
    if difference is not None and live is not None and _changed_since(live, page, own):
        return _not_ours(page, live)
    return difference


def _not_ours(page: Page, truth: Truth) -> str | None:
    """How a first page departs from any the main project may show on a list in use."""
    for item in page.items:
        if not truth.listed(item_id(item)) and not truth.created_since(item):
            return f"it lists {item_id(item)}, which no walk of the main project listed"
    return _unlike_any_page_of(page, Reading(None, DEFAULT_LIMIT))


def _unlike_any_page_of(page: Page, reading: Reading) -> str | None:
    """How a page departs from every page of `reading`, whenever read on a list in use."""
    if len(page.items) > reading.limit:
        return f"it holds {len(page.items)} items, more than limit {reading.limit}"
    return queries.live_mismatch(page, reading)


def _difference(page: Page, documented: Page) -> str | None:
    if len(page.items) != len(documented.items):
        return f"{len(page.items)} items where it holds {len(documented.items)}"
    if sorted(page.ids) != sorted(documented.ids):
        extra = next(i for i in page.ids if i not in documented.ids)
        return f"it lists {extra}, which that page does not"
    if (page.next_cursor is None) != (documented.next_cursor is None):
        return "nextCursor is null on one page and set on the other"
    return None


def _shown(miss: NearMiss, reading: str | None) -> str:
    shown = "no " + miss.name if reading is None else f"{miss.name}={reading}"
    return " and ".join((shown, *(f"{name}={value}" for name, value in miss.beside)))


def _allowed(miss: NearMiss) -> str:
    pages = " or ".join(f"the page of {_shown(miss, r)}" for r in miss.readings)
    return f"VALIDATION or {pages}" if pages else "VALIDATION (the page allows no such value)"


def _off(miss: NearMiss, answer: Exchange, why: str) -> Violation:
    got = f"HTTP {answer.status}" if answer.status is not None else f"no answer ({answer.error})"
    code = shapes.error_field(answer, "code")
    got += f" {code}" if isinstance(code, str) else ""
    message = f"{miss.describe()} answered {got}; {why}"
    return Violation(RULE, message, answer, conclusive=answer.status is not None)


# --- project ids ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spelling:
    """A project id written otherwise: the kind of change, and the id as sent in the path."""

    kind: str
    sent: str


def spellings(project_id: str) -> tuple[Spelling, ...]:
    """The spellings of an id a database or framework may read as the same uuid (case,
    braces, a URN prefix, no hyphens, surrounding whitespace), and as a server that
    decodes its path twice reads it (percent-encoded)."""
    hexits = project_id.replace("-", "")
    encoded = "".join(f"%{ord(c):02X}" for c in project_id[:2]) + project_id[2:]
    return (
        Spelling("upper case", project_id.upper()),
        Spelling("mixed case", project_id[:8].upper() + project_id[8:]),
        Spelling("braces", "{" + project_id + "}"),
        Spelling("urn prefix", "urn:uuid:" + project_id),
        Spelling("no hyphens", hexits),
        Spelling("blank around", f" {project_id} "),
        Spelling("line feed after", project_id + "\n"),
        Spelling("percent-encoded", encoded),
    )


def spelled_elsewhere(
    spelling: Spelling,
    answer: Exchange,
    whose: str,
    canonical: Page | None,
    live: Truth | None = None,
) -> list[Violation]:
    """Another org's or an unknown project in another spelling: NOT_FOUND (404) or VALIDATION,
    never data. The main project in another spelling: the same first page as its own id
    (`canonical`), or NOT_FOUND or VALIDATION. On a list that changed while it was read
    (`live`, what the walks saw) the page is judged as any first page of the main project
    must be, whenever read: in order, full, and listing only its influencers; so it is when
    the pages differ and either shows a change since the walks."""
    said = f"{whose}, {spelling.kind} ({quote(spelling.sent, safe='')})"
    if answer.status is not None and 400 <= answer.status < 500:
        code = shapes.error_field(answer, "code")
        if code == "NOT_FOUND" and answer.status != 404:
            return [Violation(RULE, f"{said} answered NOT_FOUND with HTTP {answer.status}", answer)]
        return shapes.answers_error(answer, {"NOT_FOUND", "VALIDATION"})
    page = read_page(answer, 1, None) if answer.status == 200 else None
    if page is not None and canonical is not None:
        difference = _first_page_difference(page, canonical, live)
        if difference is None:
            return []
        unlike = f"{said} answered a page unlike its own: {difference}"
        return [Violation(RULE, unlike, answer)]
    expected = "its own first page, " if canonical is not None else ""
    return _unexpected(said, answer, f"{expected}NOT_FOUND or VALIDATION")


def _unexpected(said: str, answer: Exchange, expected: str) -> list[Violation]:
    got = f"HTTP {answer.status}" if answer.status is not None else f"no answer ({answer.error})"
    message = f"{said} answered {got}; expected {expected}"
    return [Violation(RULE, message, answer, conclusive=answer.status is not None)]


# --- the key headers -------------------------------------------------------------------------


def key_form_answered(
    said: str, answer: Exchange, own: Exchange | None, live: Truth | None = None
) -> list[Violation]:
    """A form of the key (`said`: which, in which header): UNAUTHENTICATED; or, where the page
    leaves room to read it as the key (`own`, the key's own answer in that header, given only
    then), the same first page. On a list that changed while it was read (`live`, what the
    walks saw) the page is judged as any first page of the main project must be, whenever
    read. Never a 5xx, never a page for a key no reading allows."""
    if answer.status is not None and 400 <= answer.status < 500:
        return shapes.answers_error(answer, {"UNAUTHENTICATED"})
    if own is not None and answer.status == 200:
        own_page = read_page(own, 1, None)
        if own_page is None:
            return []  # the key's own answer is not a page: its own check says so
        page = read_page(answer, 1, None)
        if page is None:
            return [Violation(RULE, f"{said} answered HTTP 200 that is not a page", answer)]
        difference = _first_page_difference(page, own_page, live)
        if difference is None:
            return []
        return [Violation(RULE, f"{said} answered a page unlike the key's: {difference}", answer)]
    page_too = " or the key's own first page" if own is not None else ""
    return _unexpected(said, answer, f"UNAUTHENTICATED{page_too}")


def kinds(misses: Sequence[NearMiss]) -> tuple[tuple[str, str], ...]:
    """(kind, value as sent) of each near miss: what the coverage lists per input."""
    return tuple((miss.kind, _value_sent(miss)) for miss in misses)


def _value_sent(miss: NearMiss) -> str:
    if miss.wire is not None:
        return "?" + miss.wire
    return ",".join(quote(v, safe="") for v in miss.sent)
