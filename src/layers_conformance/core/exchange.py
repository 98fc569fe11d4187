"""One recorded HTTP exchange: what was asked, what came back, and how to ask it again.

Everything here is already redacted: an `Exchange` never holds an API key, so any report
or message built from it is safe to write anywhere. Its repr is one short line, however
large the body: pytest may render it in a failure's locals, once per failing test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, ClassVar, Union
from urllib.parse import quote, urlencode

from layers_conformance.core import strict_json

KEY_PLACEHOLDER = "$LAYERS_API_KEY"  # a key's placeholder when its variable is not known
# A form of a key as a curl line writes it: the shell expansion that makes it from the key's
# variable (`${NAME%?}`: cut by its last character). `~~` is bash's (4.0 and later).
EXPANSIONS: dict[str, Callable[[str], str]] = {
    "%?": lambda value: value[:-1],
    "#?": lambda value: value[1:],
    "~~": str.swapcase,
}
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_OPERATOR = "|".join(map(re.escape, EXPANSIONS))
# `$NAME` or `${NAME}` with an expansion: a key (or a form of one), redacted.
PLACEHOLDER = re.compile(rf"\$(?:(?P<plain>{_NAME})|\{{(?P<name>{_NAME})(?P<op>{_OPERATOR})?\}})")
LONE_DOLLAR = re.compile(rf"\$(?!{_NAME}|\{{{_NAME}(?:{_OPERATOR})?\}})")
# What `expand` reads: a bare `$NAME` ends at its last capital, digit or `_`, so a key with a
# character more as recordings before `${NAME}x` wrote it, `$LAYERS_API_KEYx`, is that key and
# an `x` (as `verify --against` has always read it).
_EXPANDED = re.compile(
    rf"\$(?:(?P<plain>[A-Z_][A-Z0-9_]*)|\{{(?P<name>{_NAME})(?P<op>{_OPERATOR})?\}})"
)
BODY_EXCERPT_CHARS = 2_000
SHOWN_URL_CHARS = 300
# The longest URL the page's own Python client (httpx) will send: a cursor that makes the
# request longer cannot be sent back by it.
MAX_URL_CHARS = 65_536
# Bodies this long or longer go to disk when a run keeps them (`Bodies`): every page that
# lists an influencer (one is ~250 characters); an error's body stays in memory, parsed once.
SET_ASIDE_CHARS = 256


Pairs = tuple[tuple[str, str], ...]  # a query's names and values, encoded as any client does
CURSOR = "cursor"  # the parameter a walk's next page is asked with


@dataclass(frozen=True)
class RawQuery:
    """A query string sent exactly as written: what pairs of names and values cannot say,
    since a client encodes those its own way (a bare name without `=`, a value or a name
    percent-encoded on the wire, `+` for a blank). Printable ASCII, no `#`."""

    text: str


Query = Pairs | RawQuery


@dataclass(frozen=True, slots=True, eq=False)
class Address:
    """A URL kept as its parts: the endpoint (one string for every request to it), the query
    as it was asked and, apart, the cursor it ends with (`continued`), written out when
    read. A run keeps every exchange it judged, most of them a walk's pages: the text of
    each URL would be its cursor (~250 characters) once more, and a tuple of the query and
    the cursor for each page 120 bytes more than the walk's query and the cursor's text,
    which the page before keeps anyway (issue 23)."""

    endpoint: str
    query: Query
    cursor: str | None = None

    def __str__(self) -> str:
        asked = self.query
        if self.cursor is not None and not isinstance(asked, RawQuery):
            asked = (*asked, (CURSOR, self.cursor))
        return f"{self.endpoint}?{query_text(asked)}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Address | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


def query_text(query: Query) -> str:
    """The query as a URL carries it: a raw one as written, pairs percent-encoded."""
    if isinstance(query, RawQuery):
        return query.text
    return urlencode(query, quote_via=quote)


def address_of(url: str, query: Query) -> str | Address:
    """How an exchange keeps the URL sent with `query`: as its parts when they write it out
    exactly (the encoding of the client that sent it may differ), else as the text."""
    endpoint, mark, _ = url.partition("?")
    if not mark:
        return sys.intern(url)  # the endpoint alone: one string for all its exchanges
    address = Address(sys.intern(endpoint), *continued(query))
    return address if str(address) == url else url


def continued(query: Query) -> tuple[Query, str | None]:
    """The query a cursor continues, and that cursor, when `query` ends with one (a walk's
    page: its query is the walk's, one object for every equal one, `_WALKS`); otherwise
    `query` as it is, and None."""
    if isinstance(query, RawQuery) or not query or query[-1][0] != CURSOR:
        return query, None
    return _WALKS.shared(query[:-1]), query[-1][1]


def cursor_key(cursor: str) -> bytes:
    """What a cursor is remembered by: its BLAKE2b digest (128 bits, no two cursors of a run
    share one unless BLAKE2b is broken), 16 bytes for its ~250 characters. A run remembers
    the answer to each of its twenty thousand pages' cursors (issue 23)."""
    return hashlib.blake2b(cursor.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class _SharedQueries:
    """Equal queries as one tuple: those of the last `size` seen (a run's walks are few)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._seen: dict[Pairs, Pairs] = {}
        self._lock = threading.Lock()  # exchanges are kept from several threads at once

    def shared(self, query: Pairs) -> Pairs:
        with self._lock:
            found = self._seen.get(query)
            if found is None:
                if len(self._seen) >= self._size:
                    del self._seen[next(iter(self._seen))]
                found = self._seen[query] = query
            return found


_WALKS = _SharedQueries()


@dataclass(frozen=True, repr=False, slots=True, weakref_slot=True)
class Exchange:
    """A request and its response (or the transport error that replaced it).

    `error` says why the answer could not be read whole (no answer, a cut body, a limit of
    the suite's, a request that could not be sent); `encoding_error` why the body's bytes
    are not UTF-8 text, which JSON between systems must be (RFC 8259 §8.1).
    """

    method: str
    address: str | Address  # the URL, as text or as its parts (`url` reads it)
    request_headers: dict[str, str]
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: str = ""  # the body as text; "" when it was set aside on disk (`stored`)
    elapsed_s: float = 0.0
    error: str | None = None
    encoding_error: str | None = None
    # The answer stopped before its end (a timeout, a dropped connection): what came is no
    # statement of the server's, so it is no evidence either way.
    cut_short: bool = False
    # When the server saw it, in the client's count of requests: the request's number (from
    # 1) and how many requests had left when its answer was in. 0: not known (never sent).
    number: int = 0
    answered_at: int = 0
    stored: Stored | None = field(default=None, compare=False)
    # Where the whole exchange is on disk too (`Bodies.keep`): what pages and memos hold of
    # a kept exchange instead of it, read back when asked (`held_exchange`). Not copied by
    # `replace`: a changed copy is not what the disk holds.
    kept: Stored | None = field(default=None, init=False, compare=False)
    # A small body's parse, once read (`_parsed`). Slots, not a dict per exchange: a run
    # keeps every exchange it judged, so memory grows by each one's size (issue 23).
    _parsed_once: tuple[Any, str | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __repr__(self) -> str:
        chars = len(self.body) if self.stored is None else self.stored.chars
        return f"Exchange({self.describe()}, {chars:,} characters)"

    @property
    def url(self) -> str:
        return self.address if isinstance(self.address, str) else str(self.address)

    @property
    def body_text(self) -> str:
        """The body as text, read back from disk when it was set aside there (`Bodies`)."""
        return self.body if self.stored is None else self.stored.read()

    @property
    def answered(self) -> bool:
        """The server sent a status line and a whole body (possibly one too large to keep)."""
        return self.status is not None and not self.cut_short

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    def json(self) -> Any:
        """The parsed body, or None when the body is not JSON (see `json_error`)."""
        return self._parsed()[0]

    @property
    def json_error(self) -> str | None:
        """Why the body is not JSON as RFC 8259 defines it, naming the byte; None if it is."""
        return self._parsed()[1]

    def _parsed(self) -> tuple[Any, str | None]:
        # A body set aside on disk is parsed again each time it is read: a long run's pages
        # parsed and kept would hold every influencer whole (`core.pages` keeps what is
        # compared). A small one is parsed once: every check of a run reads the same answers.
        if self.stored is not None:
            return self._parse()
        parsed = self._parsed_once
        if parsed is None:
            parsed = self._parse()
            object.__setattr__(self, "_parsed_once", parsed)
        return parsed

    def _parse(self) -> tuple[Any, str | None]:
        if self.encoding_error is not None:
            return None, self.encoding_error
        return strict_json.parse(self.body_text)

    def answered_before(self, other: Exchange) -> bool:
        """This answer was in before `other` was sent; True when either order is unknown, so
        that a comparison of unnumbered observations stays as strict as the still list's."""
        if not (self.answered_at and other.number):
            return True
        return self.answered_at < other.number

    def curl(self) -> str:
        """A shell line that repeats the request, with the key as its variable (`$NAME`)."""
        parts = ["curl", "-sS", "-i", shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", _quote_header(f"{name}: {value}")]
        return " ".join(parts)

    def excerpt(self, limit: int = BODY_EXCERPT_CHARS) -> str:
        """The response as a person reads it: status line and the start of the body."""
        if self.status is None:
            return f"no response: {self.error}"
        text = self.body_text
        body = text if len(text) <= limit else text[:limit] + "…"
        cut = f" ({self.error})" if self.error is not None else ""
        return f"HTTP {self.status} {self.content_type}{cut}\n{body}"

    def describe(self) -> str:
        """One line naming the request and its outcome, for failure messages."""
        if self.error is None:
            outcome = f"HTTP {self.status}"
        else:
            outcome = self.error if self.status is None else f"HTTP {self.status}, {self.error}"
        return f"{self.method} {shorten(self.url, SHOWN_URL_CHARS)} -> {outcome}"


class Stored(int):
    """Where a body set aside on disk is (`Bodies.keep`, `Bodies.set_aside`): the file of
    which run, the offset in it, and the length in bytes and in characters.

    A run keeps one or two for every page it read (its body, its items: `core.pages`), so
    they are one integer, ~40 bytes (an object holding them would be 48 more): from the
    top, the offset, the size, the bytes beyond one per character (none in ASCII text), and
    the number of the run's `Bodies` among those this process made (`_FILES`).
    """

    __slots__ = ()
    _BITS: ClassVar[int] = 32  # for a length: up to 4 GB (the client's cap is megabytes)
    _FILE_BITS: ClassVar[int] = 24

    def __new__(cls, bodies: Bodies, offset: int, size: int, chars: int) -> Stored:
        if size >> cls._BITS:
            raise OverflowError(f"a body of {size:,} bytes is too large to set aside")
        place = (((offset << cls._BITS) | size) << cls._BITS) | (size - chars)
        return super().__new__(cls, (place << cls._FILE_BITS) | _FILES.number(bodies))

    @classmethod
    def of(cls, place: int) -> Stored:
        """The `Stored` whose number is `place` (as a record of it wrote it)."""
        return super().__new__(cls, place)

    def __repr__(self) -> str:
        return f"Stored(offset={self.offset}, size={self.size}, chars={self.chars})"

    @property
    def bodies(self) -> Bodies:
        return _FILES.bodies(self & _mask(self._FILE_BITS))

    @property
    def offset(self) -> int:
        return self >> (2 * self._BITS + self._FILE_BITS)

    @property
    def size(self) -> int:  # in bytes
        return (self >> (self._BITS + self._FILE_BITS)) & _mask(self._BITS)

    @property
    def chars(self) -> int:
        return self.size - ((self >> self._FILE_BITS) & _mask(self._BITS))

    def read(self) -> str:
        return self.bodies.read(self)


def _mask(bits: int) -> int:
    return (1 << bits) - 1


class _MadeFiles:
    """The `Bodies` a `Stored` names by number. A number is never given twice, so a body
    whose file is gone is never read from another's; and a `Bodies` is not kept alive by
    its number (as by its file, it is kept by the run that made it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers: weakref.WeakKeyDictionary[Bodies, int] = weakref.WeakKeyDictionary()
        self._bodies: weakref.WeakValueDictionary[int, Bodies] = weakref.WeakValueDictionary()
        self._made = 0

    def number(self, bodies: Bodies) -> int:
        with self._lock:
            number = self._numbers.get(bodies)
            if number is None:
                if self._made == _mask(Stored._FILE_BITS):
                    raise OverflowError("this process made too many files of bodies to number")
                self._made = number = self._made + 1
                self._numbers[bodies] = number
                self._bodies[number] = bodies
            return number

    def bodies(self, number: int) -> Bodies:
        found = self._bodies.get(number)
        if found is None:
            raise LookupError("the file this body was set aside in is gone with its run")
        return found


_FILES = _MadeFiles()


class Bodies:
    """The large bodies of a run's answers, on disk: one file for the run, each body read
    back when a check reads it. A long run reads thousands of pages; what stays in memory
    of each is what comparisons read (`core.pages`), so memory does not grow with their text.

    The file has no name (`tempfile.TemporaryFile`, in the folder the run owns) and goes with
    the process. Threads add and read at once: each body has its own place (`os.pwrite`).
    """

    def __init__(
        self, file: IO[bytes], smallest: int = SET_ASIDE_CHARS, folder: Path | None = None
    ) -> None:
        self._file = file
        self.folder = folder  # the run's folder, for its other nameless files (`core.index`)
        self._smallest = smallest
        self._end = 0
        self._lock = threading.Lock()

    @classmethod
    def in_folder(cls, folder: Path) -> Bodies:
        """Bodies kept in a nameless file in `folder` (made if it is not there yet)."""
        folder.mkdir(parents=True, exist_ok=True)
        return cls(tempfile.TemporaryFile(dir=folder), folder=folder)

    def keep(self, exchange: Exchange) -> Exchange:
        """The exchange with its body on disk when it is large, and itself there too (`kept`);
        as it is otherwise. A long run reads twenty thousand pages: each exchange held (its
        headers, its URL, its numbers) was ~650 bytes for the length of the run (issue 23)."""
        if exchange.stored is not None or len(exchange.body) < self._smallest:
            return exchange
        set_aside = replace(exchange, body="", stored=self.set_aside(exchange.body))
        return _KEPT.remember(_kept_at(set_aside, self.set_aside(_record(set_aside))))

    def set_aside(self, text: str) -> Stored:
        """`text` on disk (what a page keeps of its items: `core.pages`), to `read` back."""
        data = text.encode("utf-8", "surrogatepass")
        with self._lock:
            offset, self._end = self._end, self._end + len(data)
        os.pwrite(self._file.fileno(), data, offset)
        size, chars = len(data), len(text)
        return Stored(self, offset, size, size if chars == size else chars)

    def read(self, stored: Stored) -> str:
        data = os.pread(self._file.fileno(), stored.size, stored.offset)
        return data.decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()


def _record(exchange: Exchange) -> str:
    """The exchange as one line of JSON, all but its body (set aside on its own) and `kept`.
    Lone surrogates and all: JSON escapes them, and they read back the same."""
    return json.dumps(
        [
            exchange.method,
            exchange.url,
            exchange.request_headers,
            exchange.status,
            exchange.response_headers,
            exchange.elapsed_s,
            exchange.error,
            exchange.encoding_error,
            exchange.cut_short,
            exchange.number,
            exchange.answered_at,
            exchange.stored,
        ]
    )


def _kept_at(exchange: Exchange, kept: Stored) -> Exchange:
    object.__setattr__(exchange, "kept", kept)
    return exchange


def _from_record(fields: list[Any], kept: Stored) -> Exchange:
    method, url, asked, status, answered, elapsed, error, encoding, cut, number, at, body = fields
    exchange = Exchange(
        method=method,
        address=url,
        request_headers=asked,
        status=status,
        response_headers=answered,
        elapsed_s=elapsed,
        error=error,
        encoding_error=encoding,
        cut_short=cut,
        number=number,
        answered_at=at,
        stored=None if body is None else Stored.of(body),
    )
    return _kept_at(exchange, kept)


class _KeptExchanges:
    """Kept exchanges read back: one object for each while anything holds it (so `is` says
    the same as of the exchange before it was kept), and the last few held a while longer
    (a walk's sightings ask for the same page's exchange again soon)."""

    def __init__(self, recent: int = 64) -> None:
        self._lock = threading.Lock()
        self._alive: weakref.WeakValueDictionary[int, Exchange] = weakref.WeakValueDictionary()
        self._recent: deque[Exchange] = deque(maxlen=recent)

    def remember(self, exchange: Exchange) -> Exchange:
        """`exchange`, just kept: what reading it back gives while it is alive."""
        assert exchange.kept is not None
        with self._lock:
            self._alive[exchange.kept] = exchange
        return exchange

    def read(self, kept: Stored) -> Exchange:
        with self._lock:
            found = self._alive.get(kept)
        made = found if found is not None else _from_record(json.loads(kept.read()), kept)
        with self._lock:  # another thread may have read it back meanwhile: one object
            found = self._alive.setdefault(kept, made)
            self._recent.append(found)
        return found


_KEPT = _KeptExchanges()


Held = Union["Exchange", Stored]  # what a page or a memo holds of an exchange (`hold`)


def hold(exchange: Exchange) -> Held:
    """What to hold of an exchange for the length of a run: where it is on disk, when it was
    kept there (`Bodies.keep`), else the exchange."""
    return exchange if exchange.kept is None else exchange.kept


def held_exchange(held: Held) -> Exchange:
    """The exchange `hold` gave `held` for, read back from disk when it is there."""
    return held if isinstance(held, Exchange) else _KEPT.read(held)


def why_unsendable(url: str, query: Query) -> str | None:
    """Why no URL can carry these query values, or None when one can."""
    if isinstance(query, RawQuery):
        if not (query.text.isascii() and query.text.isprintable()) or "#" in query.text:
            return "the raw query holds a character no request line carries as written"
        return _too_long(len(url) + 1 + len(query.text))
    for name, value in query:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code = ord(value[error.start])
            return (
                f"the {name} holds a lone surrogate (U+{code:04X} at character {error.start}), "
                "which no URL can carry"
            )
    return _too_long(len(url) + 1 + len(query_text(query)))


def _too_long(length: int) -> str | None:
    if length > MAX_URL_CHARS:
        return (
            f"the URL would be too long: {length:,} characters, over the {MAX_URL_CHARS:,} "
            "the page's Python client (httpx) sends"
        )
    return None


def expansion(placeholder: str, operator: str, more: str = "") -> str | None:
    """The key `$NAME` stands for, changed by `operator` (one of `EXPANSIONS`, or ""), then
    followed by `more`, as the shell writes it: `${NAME%?}`, `${NAME}x`; None when
    `placeholder` is no `$NAME`."""
    named = PLACEHOLDER.fullmatch(placeholder)
    if named is None or named["plain"] is None:
        return None
    return f"${{{named['plain']}{operator}}}{more}"


def expand(text: str, value_of: Callable[[str], str]) -> str:
    """`text` with each placeholder replaced as the shell expands it, `value_of(NAME)` the
    variable's value."""

    def one(match: re.Match[str]) -> str:
        if match["plain"] is not None:
            return value_of(match["plain"])
        value = value_of(match["name"])
        return EXPANSIONS[match["op"]](value) if match["op"] else value

    return _EXPANDED.sub(one, text)


def shorten(text: str, limit: int) -> str:
    """`text`, or its start and how much was left out when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _quote_header(header: str) -> str:
    # Double quotes keep a key's `$NAME` expandable by the shell that pastes the line; any
    # other `$` is escaped, so that nothing else is expanded.
    if PLACEHOLDER.search(header):
        escaped = header.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        escaped = LONE_DOLLAR.sub(r"\\$", escaped)
        return f'"{escaped}"'
    return shlex.quote(header)
