"""The one redactor: secret values out of any text, in every form a server can give them.

A server under test may repeat a key it received as written, in another case, percent-encoded
(once or twice over), JSON-escaped (`\\u0073k_live…`, in any mix with plain characters,
escaped once or several times over), HTML-escaped, as hex (either case), as UTF-16 or UTF-32,
or base64- or base32-encoded (standard or URL-safe alphabet, at any byte alignment inside a
longer value), in any case. Enumerating every mix of escapes cannot be done, so the redactor
matches the plain forms in the text as it is, and again in a decoded view of each stretch of
text that holds an escape, mapping what it finds back to the characters that spelled it.

`REDACTOR` is the process's redactor: the run adds its keys as soon as it knows them, and
every edge where text leaves the process (the terminal writer, every report file) asks it.
`escape_controls` makes terminal escapes and other invisible characters visible, so a server
cannot draw on the terminal or reorder a report's text.
"""

from __future__ import annotations

import base64
import math
import re
import reprlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from urllib.parse import quote

from layers_conformance.core.exchange import EXPANSIONS, Exchange, expansion

__all__ = ["REDACTOR", "Redactor", "clean", "escape_controls", "excerpt", "redact"]
__all__ += ["redact_exchange", "redact_headers", "secret_forms"]

# Shorter forms would match by chance (a 2-byte key's base64 is 1 stable character).
MIN_FORM_CHARS = 6
# One escaped character: a JSON / Python escape behind any number of backslashes (escapes
# inside escapes), a percent-encoded byte (percent-encoded again any number of times, `%25`
# for its `%`), or an HTML character reference.
_ESCAPE = (
    r"\\+(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[/\"'\\bfnrt])"
    r"|%(?:25)*[0-9a-fA-F]{2}"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);"
)
_TOKEN = re.compile(rf"(?P<escape>{_ESCAPE})|(?P<plain>[^\\%&]+|.)", re.DOTALL)
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# What each one-letter escape stands for (the letter itself for `\/`, `\"`, ...).
_SIMPLE_OF = {**_SIMPLE, "/": "/", '"': '"', "'": "'", "\\": "\\"}
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# C0 and C1 controls but newline and tab, DEL, bidi overrides and isolates, lone surrogates.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# What `re.IGNORECASE` matches to an ASCII letter beyond its other case, as `str.lower`
# leaves it: U+0130 lowers to "i" and U+0307, U+0131 and U+017F stay; the Kelvin sign
# lowers to "k" by itself. With these undone, a lowered text holds a lowered ASCII form
# wherever the regex would find it (tests/test_redaction.py tries every code point).
_FOLDS = (("\u0131", "i"), ("\u017f", "s"), ("\u0307", ""))

Span = tuple[int, int, str]  # start, end, placeholder
CUTS = ("%?", "#?")  # a secret cut by its last or its first character (`EXPANSIONS`)


def secret_forms(secrets: Mapping[str, str]) -> dict[str, str]:
    """Each secret's plain forms (as written, percent-encoded, hex, UTF-16 and UTF-32 as text,
    base64, base32) to its placeholder, and those of the secret cut by one character at
    either end (a key one short is as secret as the key: all but one of its characters) to
    the shell expansion that cuts it (`${NAME%?}`); each is matched in any case, so a key in
    another case is the key, and one with a character more holds it."""
    forms: dict[str, str] = {}
    for value, placeholder in secrets.items():
        if not value:  # an empty value would match between every two characters
            continue
        for operator in CUTS:
            cut = EXPANSIONS[operator](value)
            if len(cut) >= MIN_FORM_CHARS:
                forms |= _forms_of(cut, expansion(placeholder, operator) or placeholder)
    for value, placeholder in secrets.items():  # a whole key wins over a cut one's forms
        if value:
            forms |= _forms_of(value, placeholder)
    return forms


def _forms_of(value: str, placeholder: str) -> dict[str, str]:
    raw = value.encode("utf-8", "surrogatepass")
    found = {quote(value, safe=""), raw.hex(), *_wide_forms(value)}
    found |= _encoded_forms(raw, base64.b64encode, 6) | _encoded_forms(raw, base64.b32encode, 5)
    forms = {form: placeholder for form in found if len(form) >= MIN_FORM_CHARS}
    return forms | {value: placeholder}


def _wide_forms(value: str) -> set[str]:
    """The value's UTF-16 and UTF-32 bytes (either byte order) as they read as text: an
    ASCII key with NULs between its characters."""
    if len(value) < MIN_FORM_CHARS:  # as long as the key in characters, not in chance
        return set()
    wide = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    return {value.encode(codec, "surrogatepass").decode("latin-1") for codec in wide}


def _encoded_forms(raw: bytes, encode: Callable[[bytes], bytes], bits: int) -> set[str]:
    """The characters of `raw`'s base64 or base32 (`bits` a character) that no neighbouring
    byte changes, at each alignment `raw` can have inside a longer value, in both base64
    alphabets."""
    forms = set()
    for offset in range(bits * 8 // math.gcd(bits, 8) // 8):
        encoded = encode(b"\0" * offset + raw).decode("ascii")
        # Character i carries bits i*bits..(i+1)*bits: keep those wholly inside `raw`.
        stable = encoded[-(-offset * 8 // bits) : (offset + len(raw)) * 8 // bits]
        forms |= {stable, stable.replace("+", "-").replace("/", "_")}
    return forms


class Redactor:
    """Replaces every form of the secrets it knows with their placeholders."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self._secrets: dict[str, str] = {}
        self._forms: dict[str, str] = {}
        self._by_case: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._stretch: re.Pattern[str] | None = None
        self._escaped: re.Pattern[str] | None = None
        self._hard: re.Pattern[str] | None = None
        self._folded: list[str] | None = None
        self._shortest = 0
        self.add(secrets or {})

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"

    def add(self, secrets: Mapping[str, str]) -> None:
        """Know these secrets too (value -> placeholder)."""
        self._secrets |= {value: place for value, place in secrets.items() if value}
        self._forms = secret_forms(self._secrets)
        if not self._forms:
            return
        self._by_case = {form.casefold(): place for form, place in self._forms.items()}
        # Longest first, so a key that contains another key is replaced whole.
        forms = sorted(self._forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)
        # The regex tries every form at every character (0.25 us a character: 3 s of a
        # standard run); `str.find` of each lowered form rules most texts out 25x faster.
        # A match is as long as its form; a form with a NUL (UTF-16, UTF-32) needs one.
        ascii_forms = all(form.isascii() for form in forms)
        self._folded = sorted({form.lower() for form in forms}) if ascii_forms else None
        self._shortest = min(map(len, forms))
        alphabet = sorted({c for form in forms for c in form + form.upper() + form.lower()})
        plain = re.escape("".join(alphabet))
        escapes = _escapes_of(alphabet)
        self._stretch = re.compile(f"(?:[{plain}]|{escapes})+")
        # A stretch holds `\`, `%` or `&` only where one is a form's character or starts
        # an escape of one: without either anywhere in a text, no stretch needs decoding.
        marks = [re.escape(mark) for mark in "\\%&" if mark in alphabet]
        self._escaped = re.compile("|".join([*marks, escapes]))
        # A character neither of a form nor of an escape of one ends every stretch.
        soft = re.escape("".join(sorted(set(alphabet) | _escape_characters(alphabet))))
        self._hard = re.compile(f"[^{soft}]")

    @property
    def crosses_lines(self) -> bool:
        """Some form holds a line break, so a text is redacted whole, never a line at a time
        (a stretch of escapes to decode never crosses a character no form holds)."""
        return any("\n" in form for form in self._forms)

    def redact(self, text: str) -> str:
        """`text` with every form of every secret replaced by its placeholder."""
        if self._pattern is None or self._stretch is None:
            return text
        spans = list(self._plain_spans(text)) if self._may_hold(text) else []
        if _has_escape(text):
            spans += self._marked_spans(text)
        return _replace(text, spans) if spans else text

    def _may_hold(self, text: str) -> bool:
        """False only when no form can match in `text`, in any case the regex matches."""
        if self._folded is None:
            return True
        if len(text) < self._shortest:
            return False
        folded = _fold(text)
        nul = "\0" in folded
        return any(form in folded for form in self._folded if nul or "\0" not in form)

    def _plain_spans(self, text: str) -> Iterator[Span]:
        assert self._pattern is not None
        for match in self._pattern.finditer(text):
            yield match.start(), match.end(), self._placeholder(match.group())

    def _marked_spans(self, text: str) -> Iterator[Span]:
        """`_escaped_spans` of the parts of `text` around a mark (a `\\`, `%` or `&` of a
        form, or an escape of a form's character): a stretch never crosses a hard character,
        so the rest holds no stretch worth decoding. Each part is found in C from its mark,
        both ways; reading every stretch in Python cost a tenth of a run."""
        assert self._stretch is not None
        assert self._escaped is not None
        assert self._hard is not None
        reverse = ""
        end = 0
        while (mark := self._escaped.search(text, end)) is not None:
            reverse = reverse or text[::-1]
            before = self._hard.search(reverse, len(text) - mark.start())
            after = self._hard.search(text, mark.end())
            start = len(text) - before.start() if before else 0
            end = after.start() if after else len(text)
            yield from self._escaped_spans(text, self._stretch, start, end)

    def _escaped_spans(
        self, text: str, stretch: re.Pattern[str], start: int = 0, end: int | None = None
    ) -> Iterator[Span]:
        """Forms spelled with escapes: each stretch of form characters and escapes that
        holds an escape (between `start` and `end`) is decoded, searched, and each match
        mapped back to the text."""
        assert self._pattern is not None
        min_chars = min(len(form) for form in self._forms)
        for run in stretch.finditer(text, start, len(text) if end is None else end):
            if run.end() - run.start() < min_chars or not _has_escape(run.group()):
                continue
            decoded = _Decoded(run.group())
            for match in self._pattern.finditer(decoded.text):
                start, end = decoded.span(match.start(), match.end())
                yield run.start() + start, run.start() + end, self._placeholder(match.group())

    def _placeholder(self, found: str) -> str:
        """The placeholder of the form `found` spells in some case (the regex's case folding
        may differ from `str.casefold`, as for the Kelvin sign: then any form that matches)."""
        placeholder = self._by_case.get(found.casefold())
        if placeholder is not None:
            return placeholder
        return next(
            place
            for form, place in self._forms.items()
            if re.fullmatch(re.escape(form), found, re.IGNORECASE)
        )

    def clean(self, text: str) -> str:
        """`text` redacted, then with control characters made visible."""
        return escape_controls(self.redact(text))


def _escapes_of(alphabet: list[str]) -> str:
    """A pattern for one escape of a character in `alphabet` (only those: a body dense with
    other escapes, `\\u0000` by the million, must not make one endless stretch to decode).
    Every alternative starts with a literal `\\`, `%` or `&` (`\\\\*`, not `\\+`), so a
    search skips to those characters instead of trying each alternative everywhere (5x)."""
    codes = [ord(c) for c in alphabet]
    simple = "".join(re.escape(letter) for letter, c in _SIMPLE_OF.items() if c in alphabet)
    named = [name for name, c in _ENTITIES.items() if c in alphabet]
    parts = [
        rf"\\\\*u(?:{'|'.join(_hex(code, 4) for code in codes)})",
        rf"\\\\*x(?:{'|'.join(_hex(code, 2) for code in codes if code < 0x100)})",
        rf"%(?:25)*(?:{'|'.join(_hex(code, 2) for code in codes if code < 0x80)})",
        rf"&#0*(?:{'|'.join(str(code) for code in codes)});",
        rf"&#[xX]0*(?:{'|'.join(_hex(code, 1) for code in codes)});",
    ]
    parts += [rf"\\\\*[{simple}]"] if simple else []
    parts += [rf"&(?:{'|'.join(named)});"] if named else []
    return "|".join(parts)


def _escape_characters(alphabet: list[str]) -> set[str]:
    """Every character an escape of `_escapes_of(alphabet)` can hold."""
    simple = {letter for letter, c in _SIMPLE_OF.items() if c in alphabet}
    named = {letter for name, c in _ENTITIES.items() if c in alphabet for letter in name}
    return set("\\%&#;uxX0123456789abcdefABCDEF") | simple | named


def _hex(code: int, digits: int) -> str:
    """`code` in hex, at least `digits` long, each letter in either case."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{digits}x}")


def _fold(text: str) -> str:
    """`text` lowered, each character the regex's case folding matches to an ASCII letter
    made that letter in lower case (other characters may change too)."""
    folded = text.lower()
    if not folded.isascii():
        for char, letter in _FOLDS:
            folded = folded.replace(char, letter)
    return folded


def _has_escape(text: str) -> bool:
    return any(mark in text for mark in "\\%&")


class _Decoded:
    """A stretch of text with its escapes undone, and a map back to the characters that
    spelled each decoded character (per segment: a plain run, or one escape)."""

    def __init__(self, text: str) -> None:
        pieces: list[str] = []
        # (decoded start, original start, original end, is an escape), in order.
        self.segments: list[tuple[int, int, int, bool]] = []
        length = 0
        for token in _TOKEN.finditer(text):
            escape = token["escape"]
            piece = _unescape(escape) if escape else token["plain"]
            self.segments.append((length, token.start(), token.end(), bool(escape)))
            pieces.append(piece)
            length += len(piece)
        self.text = "".join(pieces)
        self._starts = [segment[0] for segment in self.segments]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind decoded characters `start`..`end`."""
        return self._original(start, first=True), self._original(end - 1, first=False)

    def _original(self, index: int, *, first: bool) -> int:
        decoded, start, end, escape = self.segments[bisect_right(self._starts, index) - 1]
        if escape:
            return start if first else end
        return start + (index - decoded) + (0 if first else 1)


def _unescape(escape: str) -> str:
    body = escape.lstrip("\\") or "\\"  # `\\\\`: a backslash, escaped
    if escape.startswith("%"):
        return chr(int(escape[-2:], 16))
    if escape.startswith("&"):
        name = escape[1:-1]
        if name.startswith(("#x", "#X")):
            return _char(int(name[2:], 16))
        return _char(int(name[1:])) if name.startswith("#") else _ENTITIES[name]
    if body[0] in "ux":
        return chr(int(body[1:], 16))
    return _SIMPLE.get(body, body)


def _char(code: int) -> str:
    return chr(code) if code <= 0x10FFFF else "\ufffd"


def _replace(text: str, spans: Iterable[Span]) -> str:
    """`text` with each span (merged where they overlap) replaced by its placeholder."""
    pieces, position = [], 0
    for start, end, placeholder in sorted(spans):
        if end <= position:
            continue
        if start >= position:
            pieces += [text[position:start], placeholder]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def escape_controls(text: str) -> str:
    """`text` with control characters, bidi overrides and lone surrogates as `\\uXXXX`."""
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def excerpt(value: object, limit: int = 60) -> str:
    """A short repr of any value to quote in a one-line message: nesting, containers and
    strings cut short before they are written out (an alias bomb's repr is gigabytes), the
    whole at most `limit` characters, controls visible."""
    brief = reprlib.Repr()
    brief.maxlevel, brief.maxlist, brief.maxdict = 2, 3, 3
    brief.maxstring = brief.maxother = brief.maxlong = limit
    short = brief.repr(value)
    shown = short if len(short) <= limit else short[: limit - 1] + "…"
    return escape_controls(shown)


REDACTOR = Redactor()


def clean(text: str) -> str:
    """`text` as it may leave the process: redacted by `REDACTOR`, controls made visible."""
    return REDACTOR.clean(text)


def redact(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every form of every secret replaced by its placeholder."""
    return Redactor(secrets).redact(text)


def redact_headers(
    headers: Iterable[tuple[str, str]], secrets: Mapping[str, str] | Redactor
) -> dict[str, str]:
    """Headers as a dict, each value redacted; names are kept as given."""
    redactor = secrets if isinstance(secrets, Redactor) else Redactor(secrets)
    return {name: redactor.redact(value) for name, value in headers}


def redact_exchange(exchange: Exchange, secrets: Mapping[str, str] | Redactor) -> Exchange:
    """The exchange with secrets replaced in its URL, headers, body and error."""
    redactor = secrets if isinstance(secrets, Redactor) else Redactor(secrets)
    return replace(
        exchange,
        address=redactor.redact(exchange.url),
        request_headers=redact_headers(exchange.request_headers.items(), redactor),
        response_headers=redact_headers(exchange.response_headers.items(), redactor),
        body=redactor.redact(exchange.body_text),
        stored=None,  # the body redacted is the body
        error=None if exchange.error is None else redactor.redact(exchange.error),
    )
