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
    covered = _coverage(text, quoted)
    uncovered = [u for u in units(page) if not _is_covered(u, text, covered)]
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


def _is_covered(unit: Unit, text: str, covered: list[bool]) -> bool:
    """Every letter and digit of the unit, where it stands on the page, is quoted."""
    for match in re.finditer(re.escape(unit.text), text):
        span = range(match.start(), match.end())
        if all(covered[i] for i in span if WORD.match(text[i])):
            return True
    return False


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
    pending: list[tuple[int, str, str]] = []  # the open paragraph or list item, at most one
    in_code = False
    for number, line in enumerate(page.splitlines(), start=1):
        if FENCE.match(line):
            yield from pending
            pending, in_code = [], not in_code
        elif in_code:
            yield number, "code", line
        elif not line.strip() or RULE.match(line) or HEADING.match(line) or ROW.match(line):
            yield from pending
            pending = []
            yield from _single(number, line)
        elif item := ITEM.match(line):
            yield from pending
            pending = [(number, "item", item.group(1))]
        elif pending:
            first, kind, body = pending[0]
            pending = [(first, kind, f"{body} {line.strip()}")]
        else:
            pending = [(number, "prose", line.strip())]
    yield from pending


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
        raw = args.page.read_bytes()
        page = raw.decode("utf-8")
    except OSError as error:
        return _usage_error(f"cannot read {args.page}: {error.strerror}")
    except UnicodeDecodeError:
        return _usage_error(f"{args.page} is not UTF-8 text")
    pinned = load_pinned_page()
    same = hashlib.sha256(raw).hexdigest() == pinned.sha256
    print(f"{args.page}: {'the' if same else 'not the'} page the catalogue pins ({pinned.path})")
    diff = diff_page(page, load_catalogue().values(), pinned.unquoted)
    print(format_diff(diff, str(args.page)))
    return 0 if diff.agrees else 1


def _usage_error(message: str) -> int:
    print(f"layers-conformance spec-diff: {message}", file=sys.stderr)
    return 4
