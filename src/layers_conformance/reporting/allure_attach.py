"""Allure labels and attachments, called by the plugin from inside a running test.

`allure` is imported on first use, not at import time: the plugin imports this module
on every run, and most runs have no `--alluredir`. Without one, the calls do nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.exchange import Exchange, Held, held_exchange
from layers_conformance.core.redaction import clean
from layers_conformance.reporting.html_report import AMBIGUITY_VERDICT

DOCS_PAGE = "docs/list-influencers.md"
SEVERITY = {"MUST": "critical", "SHOULD": "normal"}
# Exchanges a test's attachment shows whole; of the others, their titles.
SHOWN_WHOLE = 100


def _allure() -> ModuleType:
    import allure

    return allure


def label_requirement(requirement: Requirement) -> None:
    """Tag the current test with the requirement it verifies, for Allure's behaviours view."""
    dynamic = _allure().dynamic
    dynamic.label("requirement", requirement.id)
    dynamic.feature(requirement.area)
    dynamic.story(requirement.id)
    dynamic.severity(SEVERITY[requirement.level])
    dynamic.link(docs_link(requirement.section), name=requirement.id)
    dynamic.description(describe(requirement))


def docs_link(section: str) -> str:
    """A link to a section of the documentation page, with GitHub's heading anchor."""
    return f"{DOCS_PAGE}#{section_slug(section)}"


def section_slug(section: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = re.sub(r"[^\w\- ]", "", section.strip().lower())
    return kept.replace(" ", "-")


def describe(requirement: Requirement) -> str:
    """The requirement as Allure's description (Markdown): statement, quote, ambiguity."""
    parts = [
        f"**{requirement.level}** {requirement.statement}",
        f"> {requirement.quote}",
        f"Documentation section: {requirement.section}",
    ]
    if requirement.ambiguity:
        verdict = AMBIGUITY_VERDICT[requirement.level]
        parts.append(f"Ambiguous on the page ({verdict}): {requirement.ambiguity}")
    return "\n\n".join(parts)


def attach_exchanges(exchanges: Sequence[Held], folder: Path) -> None:
    """Attach the recorded (already redacted) exchanges a test judged to it, as one text
    file: each exchange under its title, in the order the test met them; past the first
    `SHOWN_WHOLE`, their titles alone (a test that compares walks judged thousands, and
    exchanges.har holds each whole).

    The file is written in `folder` (the run's) a piece at a time, each piece cleaned, and
    Allure copies it: the text of thousands of titles made and cleaned at once was the
    peak of a long run's memory, and grew with its length (issue 23)."""
    allure = _allure()
    first = exchange_title(held_exchange(exchanges[0]))
    name = first if len(exchanges) == 1 else f"{len(exchanges)} exchanges, from {first}"
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=".attachment-", suffix=".txt", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as file:
            for number, piece in enumerate(_pieces(exchanges)):
                file.write(("\n" if number else "") + clean(piece))
        allure.attach.file(path, name=clean(name), attachment_type=allure.attachment_type.TEXT)
    finally:
        os.unlink(path)


def _pieces(exchanges: Sequence[Held]) -> Iterator[str]:
    # Each read back from disk as it is written, when it is there: never all at once.
    for number, exchange in enumerate(map(held_exchange, exchanges)):
        if number < SHOWN_WHOLE:
            yield f"=== {exchange_title(exchange)}\n{exchange_text(exchange)}"
            continue
        if number == SHOWN_WHOLE:
            more = len(exchanges) - SHOWN_WHOLE
            yield f"=== {more:,} more, by title (exchanges.har holds each whole)"
        yield exchange_title(exchange)


def exchange_title(exchange: Exchange) -> str:
    """A short name such as `GET /v1/projects/…/influencers?limit=7 -> 200`."""
    url = urlsplit(exchange.url)
    target = f"{url.path}?{url.query}" if url.query else url.path
    outcome = "no response" if exchange.status is None else str(exchange.status)
    return f"{exchange.method} {target} -> {outcome}"


def exchange_text(exchange: Exchange) -> str:
    """The request line and headers, the response excerpt, and the curl line that repeats it."""
    headers = [f"{name}: {value}" for name, value in exchange.request_headers.items()]
    request = "\n".join([f"{exchange.method} {exchange.url}", *headers])
    return f"{request}\n\n{exchange.excerpt()}\n\n# repeat it:\n{exchange.curl()}\n"
