"""What the list did while the run read it, for every report: the terminal's lines, the
`changes` of conformance.json and the HTML report's section, all from `RunResult.changes`.

A list in use is created, archived and moved while a run reads it; a check that compares two
observations sets aside the influencers such a change explains. The reports say which
changes the server showed (by which requests) and which requirements they narrowed, so that
a pass on a changing list is never silent about what it did not compare.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from layers_conformance.core.redaction import clean
from layers_conformance.core.results import Change

KINDS = ("created", "archived", "moved")
CURSOR_SHOWN = 12  # characters of a cursor the table shows; the whole request on hover
LINES_SHOWN = 5  # changes listed one a line in the terminal; the reports hold them all
LEGEND = (
    "Influencers created, archived or moved while the run read the list, as the server "
    "showed them: the page allows each, so a check that compares two observations set the "
    "influencer aside instead of failing, and says so. Each names the requests that showed it "
    "(#n: the run's n-th request) and the requirements whose comparisons it narrowed."
)


def summary(changes: Sequence[Change]) -> str:
    """One sentence: how many changes of each kind, and the requirements they narrowed."""
    kinds = Counter(change.kind for change in changes)
    counted = ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS if kinds[kind])
    narrowed = Counter(ident for change in changes for ident in change.narrowed)
    named = ", ".join(f"{ident} ({n})" for ident, n in sorted(narrowed.items()))
    said = f"the list changed while the run read it: {len(changes)} change(s), {counted}"
    return f"{said}; set aside by {named}" if named else said


def line(change: Change) -> str:
    """One change in words: what happened to which influencer, shown by which requests (by
    number, as conformance.json and exchanges.har hold them)."""
    numbers = [request.split(" ", 1)[0] for request in change.shown_by]
    shown = f"; shown by requests {', '.join(numbers)}" if numbers else ""
    narrowed = f"; narrowed {', '.join(change.narrowed)}" if change.narrowed else ""
    return f"{change.kind} {change.influencer}: {change.detail}{shown}{narrowed}"


def changes_lines(changes: Sequence[Change]) -> list[str]:
    """The terminal's account: the summary, then the first changes one a line."""
    if not changes:
        return []
    lines = [summary(changes)]
    lines += [f"  {line(change)}" for change in changes[:LINES_SHOWN]]
    if len(changes) > LINES_SHOWN:
        lines.append(f"  ... and {len(changes) - LINES_SHOWN} more (conformance.json: changes)")
    return lines


def changes_json(changes: Sequence[Change]) -> list[dict[str, Any]]:
    """The changes as conformance.json holds them."""
    return [
        {
            "kind": change.kind,
            "influencer": change.influencer,
            "detail": change.detail,
            "shown_by": list(change.shown_by),
            "narrowed": list(change.narrowed),
        }
        for change in changes
    ]


def changes_html(changes: Sequence[Change]) -> str:
    """The HTML report's section (nothing on a list that stood still)."""
    if not changes:
        return ""
    rows = "".join(
        f"<tr><td>{_e(c.kind)}</td><td><code>{_e(c.influencer)}</code></td><td>{_e(c.detail)}"
        f"</td><td>{'<br>'.join(_request_html(r) for r in c.shown_by)}</td>"
        f"<td>{_e(', '.join(c.narrowed))}</td></tr>"
        for c in changes
    )
    return (
        '<h2 id="changes">The list changed while the run read it</h2>'
        f'<p class="legend">{_e(summary(changes))}</p><p class="legend">{_e(LEGEND)}</p>'
        '<table class="changes"><tr><th>change</th><th>influencer</th><th>what showed it</th>'
        f"<th>requests</th><th>narrowed</th></tr>{rows}</table>"
    )


def _request_html(request: str) -> str:
    """`#n GET URL` shown as its number and query, cursors cut short; the whole on hover."""
    number, _, rest = request.partition(" ")
    url = rest.partition(" ")[2] or rest
    query = urlsplit(url).query
    shown = "?" + "&".join(_short(part) for part in query.split("&")) if query else "(no query)"
    return f'<span title="{_e(request)}">{_e(number)} {_e(shown)}</span>'


def _short(parameter: str) -> str:
    name, _, value = parameter.partition("=")
    cut = value if len(value) <= CURSOR_SHOWN else f"{value[:CURSOR_SHOWN]}..."
    return f"{name}={cut}" if name == "cursor" else parameter


def _e(text: object) -> str:
    return html.escape(clean(str(text)), quote=True)
