"""`conformance.html`: one self-contained page a person reads after a run.

Everything shown comes from the server under test, so every value goes through `_e`
(html.escape), and a Content-Security-Policy forbids scripts and any network fetch.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from layers_conformance.core.results import (
    REQUIREMENT_STATUSES,
    Evidence,
    RequirementResult,
    RunResult,
)
from layers_conformance.reporting.json_report import write_atomically

ENDPOINT = "GET /v1/projects/:projectId/influencers"
POLICY = "default-src 'none'; style-src 'unsafe-inline'"
LEGEND = (
    "A failed MUST fails the run; a failed SHOULD is reported as a warning and does not. "
    "Where the documentation page is ambiguous, the suite accepts every reasonable reading "
    "and checks the strict reading, if at all, as a SHOULD: a warning, never a failure."
)
# What an ambiguity note means for the verdict, by the requirement's level.
AMBIGUITY_VERDICT = {
    "SHOULD": "this requirement is the strict reading, so a failure is only a warning",
    "MUST": "every reasonable reading passes; a strict reading is never a failure",
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def write_html(run: RunResult, path: Path | str) -> None:
    """Write the report page to `path`, all or nothing."""
    write_atomically(Path(path), render_html(run))


def render_html(run: RunResult) -> str:
    """The whole report page as a string."""
    css = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    # Findings first: a person opening a failing report wants what broke, then the matrix.
    main = [_summary(run), _spending(run), _findings(run), _matrix(run), _notes(run)]
    body = "".join([_header(run), "<main>", *main, "</main>", _footer(run)])
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(run.verdict.upper())}: {_e(run.target)} conformance</title>"
        f"<style>{css}</style></head>\n<body>{body}</body></html>\n"
    )


def _header(run: RunResult) -> str:
    aborted = _paragraph("aborted", f"Run aborted: {run.aborted}" if run.aborted else "")
    return (
        f'<header><div><p class="verdict {_e(run.verdict)}">{_e(run.verdict.upper())}</p>'
        f"<h1>Conformance of {_e(run.target)} to {_e(ENDPOINT)}</h1>"
        f"{_facts(run)}{aborted}</div></header>"
    )


def _paragraph(css_class: str, text: str) -> str:
    # Optional lines (a reason, an abort) leave no empty box behind when there is no text.
    return f'<p class="{css_class}">{_e(text)}</p>' if text else ""


def _facts(run: RunResult) -> str:
    facts = {
        "Target": run.target,
        "Base URL": run.base_url,
        "Profile": run.profile,
        "Seed": run.seed,
        "Started": run.started_at,
        "Duration": f"{run.duration_s:.1f} s",
        "Requests": f"{run.requests:,} of {run.budget:,}" if run.budget else run.requests,
    }
    rows = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in facts.items())
    return f'<dl class="facts">{rows}</dl>'


def _summary(run: RunResult) -> str:
    counts = Counter(result.status for result in run.requirements)
    items = "".join(f"<li>{_badge(s, f'{counts[s]} {s}')}</li>" for s in REQUIREMENT_STATUSES)
    return f'<ul class="counts">{items}</ul><p class="legend">{_e(LEGEND)}</p>'


def _badge(status: str, label: str = "") -> str:
    return f'<span class="badge {_e(status)}">{_e(label or status)}</span>'


def _matrix(run: RunResult) -> str:
    areas = dict.fromkeys(result.area for result in run.requirements)  # in catalogue order
    return "".join(_area(area, _in_area(run, area)) for area in areas)


def _in_area(run: RunResult, area: str) -> list[RequirementResult]:
    return [result for result in run.requirements if result.area == area]


def _area(area: str, results: Iterable[RequirementResult]) -> str:
    rows = "".join(_row(result) for result in results)
    head = "<tr><th>Requirement</th><th>Level</th><th>Status</th><th>Statement</th></tr>"
    return f'<h2 id="area-{_e(area)}">{_e(area)}</h2><table>{head}{rows}</table>'


def _row(result: RequirementResult) -> str:
    ident = _e(result.id)
    link = f'<a href="#finding-{ident}">{ident}</a>' if _is_finding(result) else ident
    reason = _paragraph("reason", result.reason)
    return (
        f'<tr id="req-{ident}"><td class="id">{link}</td><td>{_e(result.level)}</td>'
        f"<td>{_badge(result.status)}</td>"
        f"<td>{_e(result.statement)}{reason}{_ambiguity(result)}</td></tr>"
    )


def _ambiguity(result: RequirementResult) -> str:
    if not result.ambiguity:
        return ""
    where = f"The page is ambiguous here (section “{_e(result.section)}”)"
    verdict = _e(AMBIGUITY_VERDICT[result.level])
    return (
        f'<details class="ambiguity"><summary>{where}: {verdict}.</summary>'
        f"<p>{_e(result.ambiguity)}</p></details>"
    )


def _is_finding(result: RequirementResult) -> bool:
    return result.status in ("fail", "warn")


def _findings(run: RunResult) -> str:
    findings = [result for result in run.requirements if _is_finding(result)]
    if not findings:
        return ""
    return "<h2>Failures and warnings</h2>" + "".join(_finding(result) for result in findings)


def _finding(result: RequirementResult) -> str:
    ident = _e(result.id)
    is_open = " open" if result.status == "fail" else ""
    evidence = "".join(_evidence(item) for item in result.evidence) or (
        _paragraph("reason", "No exchange was recorded for this result.")
    )
    return (
        f'<details class="finding {_e(result.status)}" id="finding-{ident}"{is_open}>'
        f"<summary>{_badge(result.status)} {ident} ({_e(result.level)}): "
        f"{_e(result.statement)}</summary>"
        f"<blockquote>{_e(result.quote)}</blockquote>"
        f'<p class="section">Documentation section: {_e(result.section)}</p>'
        f"{_ambiguity(result)}{evidence}</details>"
    )


def _evidence(item: Evidence) -> str:
    return (
        f'<div class="evidence"><h3>{_e(item.test)}</h3><p>{_e(item.message)}</p>'
        '<dl class="expected-actual">'
        f"<dt>Expected</dt><dd>{_e(item.expected or '—')}</dd>"
        f"<dt>Actual</dt><dd>{_e(item.actual or '—')}</dd></dl>"
        f"{_pre('Request', item.request)}{_pre('Response excerpt', item.response_excerpt)}"
        f"{_pre('Repeat it', item.curl)}</div>"
    )


def _pre(label: str, text: str) -> str:
    return f"<h4>{_e(label)}</h4><pre>{_e(text)}</pre>" if text else ""


def _spending(run: RunResult) -> str:
    """Where the budget went, when a limit cut the run short: what to raise, and who spent."""
    if not run.raise_hint:
        return ""
    rows = "".join(
        f"<tr><td>{spent.requests:,}</td><td>{_e(spent.test)}</td>"
        f'<td><a href="#req-{_e(spent.requirement)}">{_e(spent.requirement)}</a></td></tr>'
        for spent in run.spending
    )
    head = "<tr><th>Requests</th><th>Test</th><th>Requirement</th></tr>"
    return (
        f'<h2 id="budget">Where the budget went</h2><p class="aborted">Cut short: '
        f"{_e(run.raise_hint)}.</p><table>{head}{rows}</table>"
    )


def _notes(run: RunResult) -> str:
    if not run.notes:
        return ""
    items = "".join(f"<li>{_e(note)}</li>" for note in run.notes)
    return f"<h2>Notes</h2><ul>{items}</ul>"


def _footer(run: RunResult) -> str:
    return (
        f"<footer>layers-conformance {_e(run.suite_version)}, "
        f"spec sha256 {_e(run.spec_sha256)}</footer>"
    )
