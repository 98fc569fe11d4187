"""`conformance.html`: one self-contained page a person reads after a run.

Everything shown comes from the server under test, so every value goes through `_e`
(redacted, controls made visible, html.escape), and a Content-Security-Policy forbids
scripts and any network fetch.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from layers_conformance.core.redaction import clean
from layers_conformance.core.results import (
    REQUIREMENT_STATUSES,
    VALUE_SETS,
    Cell,
    Column,
    Divergence,
    Evidence,
    FieldRow,
    PairCoverage,
    RequirementResult,
    RunResult,
)
from layers_conformance.reporting.changes import changes_html
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
DIVERGENCE_LEGEND = (
    "Side by side, row by row: the same place in both sequences. Shaded rows share a "
    "createdAt (a tie group, in any order). A rule marks where a page starts, with the "
    "cursor it was asked with."
)
MARKS = {
    "missing": "missing",
    "extra": "not expected",
    "repeated": "repeated",
    "out-of-order": "out of order",
    "excluded": "must not appear",
    "wrong-status": "wrong status",
    "first-listed": "first listed",
    "listed-before": "listed before",
}
CURSOR_SHOWN = 24  # characters of a cursor shown in a rule; the whole one is its tooltip


def _e(text: object) -> str:
    return html.escape(clean(str(text)), quote=True)


def write_html(run: RunResult, path: Path | str) -> None:
    """Write the report page to `path`, all or nothing."""
    write_atomically(Path(path), render_html(run))


def render_html(run: RunResult) -> str:
    """The whole report page as a string."""
    css = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    # Findings first: a person opening a failing report wants what broke, then the matrix.
    main = [
        _summary(run), _spending(run), _waivers(run), _findings(run), _matrix(run),
        changes_html(run.changes), _coverage(run), _notes(run),
    ]  # fmt: skip
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
        f"{_certification(run)}{_facts(run)}{aborted}</div></header>"
    )


def _certification(run: RunResult) -> str:
    """A certification run's own verdict, and the MUSTs that decided it when it is no pass."""
    verdict = run.certification
    if verdict is None:
        return ""
    deciding = {"fail": run.broken, "incomplete": run.unproven}.get(verdict, ())
    why = ", ".join(f"{r.id} {r.status}" for r in deciding)
    why = why or ("the run could not finish" if verdict == "incomplete" else "")
    return (
        f'<p class="certification {_e(verdict)}">Certification: {_e(verdict.upper())}'
        f"{_e(f' ({why})' if why else '')}</p>"
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
        "Rate": f"{run.effective_rps:g} requests/s",
    }
    traffic = run.traffic
    if traffic.retried:
        causes = ", ".join(f"{count} after {cause}" for cause, count in traffic.retries)
        facts["Sent again"] = f"{traffic.retried:,} ({causes})"
        facts["Waited"] = f"{traffic.waited_s:.1f} s on the target's refusals"
    if traffic.suggested_rps is not None:
        facts["Would not wait at"] = f"rate_limit_rps: {traffic.suggested_rps:g}"
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
    reason = _paragraph("reason", result.reason) + _waiver(result)
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


def _waiver(result: RequirementResult) -> str:
    return _paragraph("waiver", result.waiver.describe()) if result.waiver else ""


def _is_finding(result: RequirementResult) -> bool:
    return result.status in ("fail", "waived", "flaky", "warn")


def _waivers(run: RunResult) -> str:
    # Only the waivers that need a person: expired ones fail the run, unused ones can go.
    stale = [outcome for outcome in run.waivers if outcome.use != "applied"]
    if not stale:
        return ""
    items = "".join(
        f"<li>{_badge(outcome.use)} {_e(outcome.waiver.requirement)}: "
        f"{_e(outcome.waiver.describe())} ({_e(outcome.waiver.source)})</li>"
        for outcome in stale
    )
    return f'<h2>Waivers to update</h2><ul class="waivers">{items}</ul>'


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
        f"{_waiver(result)}<blockquote>{_e(result.quote)}</blockquote>"
        f'<p class="section">Documentation section: {_e(result.section)}</p>'
        f"{_ambiguity(result)}{evidence}</details>"
    )


def _evidence(item: Evidence) -> str:
    drawn = item.divergence is not None or bool(item.field_diff)
    excerpt = (
        _folded("Response excerpt", item.response_excerpt)
        if drawn
        else _pre("Response excerpt", item.response_excerpt)
    )
    return (
        f'<div class="evidence"><h3>{_e(item.test)}</h3><p>{_e(item.message)}</p>'
        f"{_divergence(item.divergence) if item.divergence else ''}"
        f"{_field_diff(item.field_diff)}"
        f"{_expected_actual(item)}"
        f"{_pre('Request', item.request)}{excerpt}"
        f"{_pre('Repeat it', item.curl)}</div>"
    )


def _expected_actual(item: Evidence) -> str:
    # The actual result is often the message itself: said once, above, is enough.
    actual = (
        f"<dt>Actual</dt><dd>{_e(item.actual or '—')}</dd>" if item.actual != item.message else ""
    )
    return (
        '<dl class="expected-actual">'
        f"<dt>Expected</dt><dd>{_e(item.expected or '—')}</dd>{actual}</dl>"
    )


def _divergence(drawing: Divergence) -> str:
    """The rows around where the sequences part, each column a sequence, in HTML only."""
    heads = "".join(f'<th colspan="3">{_e(column.label)}</th>' for column in drawing.columns)
    names = "<th>page · #</th><th>influencerId</th><th>createdAt</th>" * len(drawing.columns)
    rows = "".join(_divergence_rows(drawing.columns))
    return (
        '<figure class="drawing"><table class="divergence">'
        f"<thead><tr>{heads}</tr><tr>{names}</tr></thead><tbody>{rows}</tbody></table>"
        f"<figcaption>{_e(DIVERGENCE_LEGEND)}</figcaption></figure>"
    )


def _divergence_rows(columns: tuple[Column, ...]) -> Iterable[str]:
    lasts = [max((n for n, c in enumerate(col.cells) if c), default=-1) for col in columns]
    # A walk that ends before the window (an empty one, say) says so at the top.
    yield _rule([_ending(col, last == -1) for col, last in zip(columns, lasts, strict=True)])
    for n in range(len(columns[0].cells)):
        cells = [column.cells[n] for column in columns]
        yield _rule([_page_start(cell) for cell in cells])
        missing = any(cell is not None and cell.mark == "missing" for cell in cells)
        yield "<tr>" + "".join(_cell(cell, missing) for cell in cells) + "</tr>"
        yield _rule([_ending(col, last == n) for col, last in zip(columns, lasts, strict=True)])


def _rule(labels: list[str]) -> str:
    # A page boundary (or a walk's end) drawn across the columns where it falls.
    if not any(labels):
        return ""
    sides = "".join(
        f'<td colspan="3" class="rule">{label}</td>' if label else '<td colspan="3"></td>'
        for label in labels
    )
    return f'<tr class="rules">{sides}</tr>'


def _page_start(cell: Cell | None) -> str:
    if cell is None or cell.cursor is None:
        return ""
    if not cell.cursor:
        return f"page {_e(cell.page)} · first page, no cursor"
    shown = cell.cursor if len(cell.cursor) <= CURSOR_SHOWN else cell.cursor[:CURSOR_SHOWN] + "…"
    return f'page {_e(cell.page)} · cursor <code title="{_e(cell.cursor)}">{_e(shown)}</code>'


def _ending(column: Column, here: bool) -> str:
    return f'<span class="end">{_e(column.end)}</span>' if here and column.end else ""


def _cell(cell: Cell | None, missing: bool) -> str:
    if cell is None:
        text = "not listed" if missing else ""
        return f'<td class="gap" colspan="3">{_e(text)}</td>'
    classes = " ".join(c for c in ("tie" + str(cell.tie % 2) if cell.tied else "", cell.mark) if c)
    badge = f' <span class="mark">{_e(MARKS.get(cell.mark, cell.mark))}</span>' if cell.mark else ""
    note = f' <span class="note">{_e(cell.note)}</span>' if cell.note else ""
    attrs = f' class="{_e(classes)}"' if classes else ""
    return (
        f"<td{attrs}>{_e(cell.page)} · {_e(cell.position)}</td>"
        f"<td{attrs}><code>{_e(cell.id)}</code>{badge}{note}</td>"
        f"<td{attrs}><code>{_e(cell.created_at)}</code></td>"
    )


def _field_diff(rows: tuple[FieldRow, ...]) -> str:
    """The answer's fields against the documented shape, the ones that differ marked."""
    if not rows:
        return ""
    body = "".join(
        f'<tr class="{"differs" if row.differs else "same"}">'
        f"<td><code>{_e(row.path)}</code></td><td>{_e(row.expected)}</td>"
        f"<td><code>{_e(row.actual)}</code></td></tr>"
        for row in rows
    )
    return (
        '<figure class="drawing"><table class="field-diff">'
        "<thead><tr><th>Field</th><th>Documented</th><th>Received</th></tr></thead>"
        f"<tbody>{body}</tbody></table></figure>"
    )


def _folded(label: str, text: str) -> str:
    return f"<details><summary>{_e(label)}</summary><pre>{_e(text)}</pre></details>" if text else ""


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


COVERAGE_LEGEND = (
    "Each cell, for two dimensions of the query space: the value pairs the run sent / those "
    "this target's fixtures and data allow, of all there are (the empty project, for one, "
    "hands out no cursor of its own)."
)


VALUE_SETS_LEGEND = (
    "Per input: its near misses (spellings a lenient parser may read as a documented value), "
    "its id's other spellings, and its hard values sent alone (with no defect the target "
    "does not force on them, so no other error can answer for them). Hover for the values."
)


def _coverage(run: RunResult) -> str:
    if not run.coverage:
        return ""
    pairs = [part for part in run.coverage if part.dimensions[1] not in VALUE_SETS]
    cells = {part.dimensions: part for part in pairs}
    names = list(dict.fromkeys(name for part in pairs for name in part.dimensions))
    head = "".join(f"<th>{_e(name)}</th>" for name in names[1:])
    rows = "".join(
        f"<tr><th>{_e(row)}</th>"
        + "".join(_coverage_cell(cells.get((row, column))) for column in names[1:])
        + "</tr>"
        for row in names[:-1]
    )
    missed = [
        f"{first}={pair[0]} with {second}={pair[1]}"
        for (first, second), part in cells.items()
        for pair in part.missed
    ]
    missed += [
        f"{part.dimensions[0]}: {part.dimensions[1]} {value}"
        for part in run.coverage
        if part.dimensions[1] in VALUE_SETS
        for value, _ in part.missed
    ]
    gaps = "".join(f"<li>{_e(text)}</li>" for text in missed)
    return (
        '<h2 id="coverage">Query space coverage</h2>'
        f'<p class="legend">{_e(COVERAGE_LEGEND)}</p>'
        f'<table class="coverage"><tr><th></th>{head}</tr>{rows}</table>'
        + _value_sets(run.coverage)
        + (
            f'<p class="legend">Allowed but not sent:</p><ul class="gaps">{gaps}</ul>'
            if gaps
            else ""
        )
    )


def _value_sets(coverage: tuple[PairCoverage, ...]) -> str:
    """Per input, the values of each set (its near misses, its id's spellings, its hard values
    sent alone): how many were sent, and which, on hover."""
    parts = {part.dimensions: part for part in coverage if part.dimensions[1] in VALUE_SETS}
    if not parts:
        return ""
    inputs = list(dict.fromkeys(name for name, _ in parts))
    sets = [name for name in VALUE_SETS if any(kind == name for _, kind in parts)]
    head = "".join(f"<th>{_e(name)}</th>" for name in sets)
    rows = "".join(
        f"<tr><th>{_e(row)}</th>"
        + "".join(_value_cell(parts.get((row, column))) for column in sets)
        + "</tr>"
        for row in inputs
    )
    return (
        f'<p class="legend">{_e(VALUE_SETS_LEGEND)}</p>'
        f'<table class="coverage"><tr><th></th>{head}</tr>{rows}</table>'
    )


def _value_cell(part: PairCoverage | None) -> str:
    if part is None:
        return "<td></td>"
    sent = ", ".join(value for value, _ in part.exercised)
    return _coverage_cell(part).replace("<td ", f'<td title="{_e(sent)}" ', 1)


def _coverage_cell(part: PairCoverage | None) -> str:
    if part is None:
        return "<td></td>"
    complete = "full" if not part.missed else "gap"
    return (
        f'<td class="cov {complete}">{len(part.exercised)}/{len(part.feasible)}'
        f"<small> of {part.possible}</small></td>"
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
