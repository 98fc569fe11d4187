"""`layers-conformance spec-diff NEW_PAGE.md`: a page against the catalogue (pure, but `main`).

The page is cut into the units a reader would call its statements: the sentences of its
prose and list items, the rows of its tables and the lines of its code examples. Each unit
must be quoted word for word by the catalogue, by requirements or by the passages the
catalogue records as deliberately unquoted; otherwise it is `uncovered`. A requirement
whose quote (or section heading) is missing from the page is `stale`.

Code examples count line by line: the response bodies are the only place the page shows
field names, types and value formats, and the request examples the only place it shows
how the key travels, so a changed example line is a changed statement. Lines with no
letter or digit (`{`, `],`) state nothing and are skipped. Headings are structure, not
statements; they are checked as the sections requirements name.

A page may open with a header of its own (the pinned copy says where it came from): what
stands above a `---` rule that comes before the first `##` section is not the endpoint's
documentation and is left out.

Exit status: 0 when the page and the catalogue agree, 1 when anything is stale or
uncovered, 4 when the page cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from layers_conformance.core.catalogue import (
    Requirement,
    Unquoted,
    load_catalogue,
    load_pinned_page,
)
from layers_conformance.core.inputs import InputError, read_text
from layers_conformance.core.redaction import escape_controls

__all__ = ["PageDiff", "Stale", "Unit", "diff_page", "format_diff", "fragments", "main"]
__all__ += ["normalised", "units"]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
ROW = re.compile(r"^\s*\|")
# A sentence ends at . ! or ? followed by a space and what can start a sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")
WORD = re.compile(r"[A-Za-z0-9]")
ELISION = re.compile(r"\s+(?:\.\.\.|…)\s+")
MAX_PAGE_BYTES = 4 << 20  # the page is a few KB; a page this size is not documentation


@dataclass(frozen=True)
class Unit:
    """One statement of the page: where it starts and its text, normalised."""

    line: int
    text: str


@dataclass(frozen=True)
class Stale:
    """A requirement (or unquoted passage) whose words are no longer on the page."""

    ident: str  # a requirement id, or "unquoted" for a passage the catalogue leaves out
    missing: str


@dataclass(frozen=True)
class PageDiff:
    """What the catalogue and a page disagree on; both empty when they agree."""

    stale: tuple[Stale, ...]
    uncovered: tuple[Unit, ...]

    @property
    def agrees(self) -> bool:
        return not self.stale and not self.uncovered


def normalised(text: str) -> str:
    """Text as compared: Markdown code quotes dropped, whitespace runs as one space, none
    around JSON brackets (so a one-line quote matches the page's indented example)."""
    text = re.sub(r"\s+", " ", text.replace("`", ""))
    return re.sub(r"\s*([{}\[\]])\s*", r"\1", text).strip()


def fragments(quote: str) -> list[str]:
    """The parts of a quote that must each be the page's words: split on ` ... ` elisions
    (`req_...` is a word of the page; only an elision between spaces separates)."""
    return [part for part in ELISION.split(quote) if part.strip()]


def diff_page(
    page: str, requirements: Iterable[Requirement], unquoted: Iterable[Unquoted] = ()
) -> PageDiff:
    """The requirements `page` no longer supports, and its units nothing quotes."""
    requirements, unquoted = list(requirements), list(unquoted)
    text = normalised(page)
    sections = {normalised(title) for title in headings(page)}
    stale = [
        *(s for r in requirements for s in _stale_requirement(r, text, sections)),
        *(Stale("unquoted", u.text) for u in unquoted if normalised(u.text) not in text),
    ]
    quoted = [f for r in requirements for f in fragments(r.quote)] + [u.text for u in unquoted]
    pieces = _quoted_pieces(text, _coverage(text, quoted))
    decided: dict[str, bool] = {}  # a page may repeat a statement many times: judged once
    uncovered = []
    for unit in units(page):
        if unit.text not in decided:
            decided[unit.text] = unit.text in pieces
        if not decided[unit.text]:
            uncovered.append(unit)
    return PageDiff(tuple(stale), tuple(uncovered))


def _stale_requirement(requirement: Requirement, text: str, sections: set[str]) -> Iterator[Stale]:
    for fragment in fragments(requirement.quote):
        if normalised(fragment) not in text:
            yield Stale(requirement.id, fragment)
    if normalised(requirement.section) not in sections:
        yield Stale(requirement.id, f"section heading {requirement.section!r}")


def _coverage(text: str, quoted: Iterable[str]) -> list[bool]:
    """For each character of the normalised page, whether some quote includes it."""
    covered = [False] * len(text)
    for fragment in quoted:
        needle = normalised(fragment)
        for match in re.finditer(re.escape(needle), text) if needle else ():
            covered[match.start() : match.end()] = [True] * len(needle)
    return covered


def _quoted_pieces(text: str, covered: list[bool]) -> str:
    """The page cut at every letter or digit no quote includes, each piece once, one a line.

    A statement is covered where every letter and digit of it, where it stands on the page,
    is quoted: where it lies whole inside one piece. The normalised page has no line break,
    so none of its statements can straddle two pieces; a repeated piece is kept once, so a
    search for each statement costs what the quoted text is, not the page's length again.
    """
    cuts = [
        i for i, (char, quoted) in enumerate(zip(text, covered, strict=True))
        if not quoted and char.isascii() and char.isalnum()
    ]  # fmt: skip
    bounds = zip([-1, *cuts], [*cuts, len(text)], strict=True)
    return "\n".join(dict.fromkeys(text[start + 1 : end] for start, end in bounds))


def headings(page: str) -> list[str]:
    """The titles of the page's headings, outside code blocks."""
    return [title for _, kind, title in _blocks(page) if kind == "heading"]


def units(page: str) -> list[Unit]:
    """The page's statements, in order, without its own header (see the module's docstring)."""
    found: list[Unit] = []
    for line, kind, body in _blocks(_without_header(page)):
        if kind in ("prose", "item"):
            found += [Unit(line, s) for s in SENTENCE_END.split(normalised(body)) if s]
        elif kind in ("row", "code") and WORD.search(body):
            found.append(Unit(line, normalised(body)))
    return found


def _without_header(page: str) -> str:
    """The page with the lines above its header rule blanked (kept, so line numbers hold)."""
    lines = page.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("## "):
            return page
        if RULE.match(line):
            return "\n" * (number + 1) + "\n".join(lines[number + 1 :])
    return page


def _blocks(page: str) -> Iterator[tuple[int, str, str]]:
    """(first line, kind, text) of each block: heading, prose, item, row or code line."""
    # The open paragraph or list item, at most one: its first line, kind and lines so far
    # (joined once it closes, so a long paragraph costs its length, not its length squared).
    pending: list[tuple[int, str, list[str]]] = []
    in_code = False
    for number, line in enumerate(page.splitlines(), start=1):
        if FENCE.match(line):
            yield from _closed(pending)
            pending, in_code = [], not in_code
        elif in_code:
            yield number, "code", line
        elif not line.strip() or RULE.match(line) or HEADING.match(line) or ROW.match(line):
            yield from _closed(pending)
            pending = []
            yield from _single(number, line)
        elif item := ITEM.match(line):
            yield from _closed(pending)
            pending = [(number, "item", [item.group(1)])]
        elif pending:
            pending[0][2].append(line.strip())
        else:
            pending = [(number, "prose", [line.strip()])]
    yield from _closed(pending)


def _closed(pending: list[tuple[int, str, list[str]]]) -> Iterator[tuple[int, str, str]]:
    for first, kind, lines in pending:
        yield first, kind, " ".join(lines)


def _single(number: int, line: str) -> Iterator[tuple[int, str, str]]:
    heading = HEADING.match(line)
    if heading:
        yield number, "heading", heading.group(2)
    elif ROW.match(line):
        yield number, "row", line.strip()


def format_diff(diff: PageDiff, page: str) -> str:
    """The disagreements as a person reads them in a CI log."""
    lines: list[str] = []
    if diff.stale:
        lines.append(f"stale ({len(diff.stale)}): catalogue entries whose words {page} lacks")
        lines += [f"  {s.ident}: {s.missing}" for s in diff.stale]
    if diff.uncovered:
        lines.append(f"uncovered ({len(diff.uncovered)}): statements of {page} nothing quotes")
        lines += [f"  line {u.line}: {u.text}" for u in diff.uncovered]
    if diff.agrees:
        lines.append(f"{page} agrees with the catalogue: every quote is on it, all of it quoted")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """Compare a page with the catalogue; print the disagreements; exit 1 when there are any."""
    parser = argparse.ArgumentParser(prog="layers-conformance spec-diff", description=__doc__)
    parser.add_argument("page", type=Path, help="the newly published documentation page")
    args = parser.parse_args(argv)
    try:
        page = read_text(args.page, MAX_PAGE_BYTES)
    except InputError as error:
        return _usage_error(f"{args.page}: {error}")
    pinned = load_pinned_page()
    same = hashlib.sha256(page.encode("utf-8")).hexdigest() == pinned.sha256
    print(f"{args.page}: {'the' if same else 'not the'} page the catalogue pins ({pinned.path})")
    diff = diff_page(page, load_catalogue().values(), pinned.unquoted)
    # The page's lines are somebody else's text: shown, never obeyed by the terminal.
    print(escape_controls(format_diff(diff, str(args.page))))
    return 0 if diff.agrees else 1


def _usage_error(message: str) -> int:
    print(f"layers-conformance spec-diff: {escape_controls(message)}", file=sys.stderr)
    return 4
