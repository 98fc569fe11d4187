"""Allure labels and attachments, called by the plugin from inside a running test.

`allure` is imported on first use, not at import time: the plugin imports this module
on every run, and most runs have no `--alluredir`. Without one, the calls do nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import ModuleType
from urllib.parse import urlsplit

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.exchange import Exchange
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


def attach_exchanges(exchanges: Sequence[Exchange]) -> None:
    """Attach the recorded (already redacted) exchanges a test judged to it, as one text
    file: each exchange under its title, in the order the test met them; past the first
    `SHOWN_WHOLE`, their titles alone (a test that compares walks judged thousands, and
    exchanges.har holds each whole)."""
    allure = _allure()
    titles = [exchange_title(exchange) for exchange in exchanges]
    name = titles[0] if len(titles) == 1 else f"{len(titles)} exchanges, from {titles[0]}"
    whole = [
        f"=== {title}\n{exchange_text(exchange)}"
        for title, exchange in zip(titles[:SHOWN_WHOLE], exchanges, strict=False)
    ]
    rest = titles[SHOWN_WHOLE:]
    if rest:
        whole.append(f"=== {len(rest):,} more, by title (exchanges.har holds each whole)")
    text = "\n".join(whole + rest)
    allure.attach(clean(text), name=clean(name), attachment_type=allure.attachment_type.TEXT)


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
