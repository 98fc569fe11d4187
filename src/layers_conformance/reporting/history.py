"""`layers-conformance history REPORT.json... | DIR`: runs over time, and a fleet at a glance.

One self-contained page (no script, no network: the run report's Content-Security-Policy).
For each target with more than one run: a requirements x runs matrix, the regressions
(requirements failing now that held before), when each requirement first failed, and the
requests and duration of every run. For several targets: a targets x requirements matrix of
their latest runs. `layers-conformance diff` stays the machine-readable comparison.

A folder is searched for `conformance*.json` files (Allure's JSON beside them is left alone).
Exit status: 0 when the page is written, 2 when an input is not a report or none is found.
"""

from __future__ import annotations

import argparse
import html
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from layers_conformance.core.redaction import excerpt
from layers_conformance.reporting.json_report import ReportError, read_json, write_atomically

POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# A symbol per status, so a cell does not speak by colour alone.
SYMBOLS = {
    "pass": "✓", "fail": "✗", "waived": "W", "flaky": "~", "warn": "!",
    "inconclusive": "?", "skip": "-",
}  # fmt: skip
BAR_PX = 36  # the tallest bar of a row


@dataclass(frozen=True)
class Run:
    """One conformance.json, as the history needs it."""

    target: str
    started_at: str
    verdict: str
    requests: int
    duration_s: float
    statuses: dict[str, str]  # requirement id -> status, in the report's order
    levels: dict[str, str]
    reasons: dict[str, str]

    @property
    def when(self) -> str:
        """`2026-11-07 03:00`: the run's start to the minute."""
        return self.started_at[:16].replace("T", " ")


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """The runs of every report named or found under a folder, oldest first."""
    files = [found for path in paths for found in _reports_in(Path(path))]
    if not files:
        raise ReportError(f"{', '.join(map(str, paths))}: no conformance.json found")
    return sorted((_read_run(file) for file in files), key=lambda run: run.started_at)


def _reports_in(path: Path) -> list[Path]:
    return sorted(path.rglob("conformance*.json")) if path.is_dir() else [path]


def _read_run(file: Path) -> Run:
    """One report as a run; a field of the wrong type is a ReportError naming it."""
    report = read_json(file)
    for key, valid, rule in FIELDS:
        if key in report and not valid(report[key]):
            raise ReportError(f"{file}: {key}={excerpt(report[key])} must be {rule}")
    return _run(report)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _seconds(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value >= 0


FIELDS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("target", lambda value: isinstance(value, str), "a string"),
    ("started_at", lambda value: isinstance(value, str), "a string"),
    ("requests", _count, "a whole number of requests"),
    ("duration_s", _seconds, "a finite number of seconds"),
)


def _run(report: dict[str, Any]) -> Run:
    entries = report["requirements"]
    return Run(
        target=report.get("target", ""),
        started_at=report.get("started_at", ""),
        verdict=report["verdict"],
        requests=report.get("requests", 0),
        duration_s=float(report.get("duration_s", 0.0)),
        statuses={e["id"]: e["status"] for e in entries},
        levels={e["id"]: e["level"] for e in entries},
        reasons={e["id"]: str(e.get("reason", "")) for e in entries},
    )


def by_target(runs: Iterable[Run]) -> dict[str, list[Run]]:
    """Each target's runs, oldest first, targets in the order their first run appears."""
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        grouped.setdefault(run.target, []).append(run)
    return grouped


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_history(runs: Sequence[Run]) -> str:
    """The whole page as a string."""
    css = resources.files(__package__).joinpath("history.css").read_text(encoding="utf-8")
    targets = by_target(runs)
    fleet = len(targets) > 1
    # In a fleet, a target with a single run has nothing over time to show beyond its row.
    sections = [_fleet(targets)] if fleet else []
    sections += [
        _over_time(target, mine) for target, mine in targets.items() if len(mine) > 1 or not fleet
    ]
    body = "".join([_header(runs, targets), "<main>", _legend(), *sections, "</main>"])
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Conformance history</title>"
        f"<style>{css}</style></head>\n<body>{body}</body></html>\n"
    )


def _header(runs: Sequence[Run], targets: dict[str, list[Run]]) -> str:
    span = f"{runs[0].when} to {runs[-1].when}" if runs else ""
    count = f"{len(runs)} runs of {len(targets)} target{'s' if len(targets) > 1 else ''}"
    return f"<header><h1>Conformance history</h1><p>{_e(count)}, {_e(span)}</p></header>"


def _legend() -> str:
    items = "".join(
        f'<li><span class="cell {status}">{symbol}</span> {status}</li>'
        for status, symbol in SYMBOLS.items()
    )
    return f'<ul class="legend">{items}</ul>'


def _cell(run: Run, ident: str) -> str:
    status = run.statuses.get(ident)
    if status is None:
        return '<td class="cell absent" title="not in this report"></td>'
    reason = run.reasons.get(ident, "")
    title = f"{ident}, {run.when}: {status}" + (f" ({reason})" if reason else "")
    return f'<td class="cell {_e(status)}" title="{_e(title)}">{SYMBOLS.get(status, "")}</td>'


def _requirement_ids(runs: Sequence[Run]) -> list[str]:
    # The latest report's order (the catalogue's), then anything only older reports had.
    ordered = dict.fromkeys(ident for run in reversed(runs) for ident in run.statuses)
    latest = list(runs[-1].statuses)
    return latest + [ident for ident in ordered if ident not in runs[-1].statuses]


# --- one target over time ----------------------------------------------------------------


def _over_time(target: str, runs: Sequence[Run]) -> str:
    ids = _requirement_ids(runs)
    head = "".join(
        f'<th class="run {_e(run.verdict)}" title="{_e(run.started_at)}">'
        f"{_e(run.when[5:10])}<br>{_e(run.when[11:])}</th>"
        for run in runs
    )
    rows = "".join(_requirement_row(target, ident, runs) for ident in ids)
    return (
        f'<section id="target-{_e(target)}"><h2>{_e(target)}: {len(runs)} runs</h2>'
        f"{_regressions(runs, ids)}"
        f'<table class="history"><tr><th>Requirement</th><th>First failed</th>{head}</tr>'
        f"{rows}{_verdict_row(runs)}{_measure_row(runs, 'requests')}"
        f"{_measure_row(runs, 'duration')}</table></section>"
    )


def _requirement_row(target: str, ident: str, runs: Sequence[Run]) -> str:
    level = next((run.levels[ident] for run in reversed(runs) if ident in run.levels), "")
    first = first_failed(ident, runs)
    return (
        f'<tr id="row-{_e(target)}-{_e(ident)}"><th class="id">{_e(ident)} '
        f'<span class="level">{_e(level)}</span></th>'
        f'<td class="first">{_e(first.when[:10] if first else "")}</td>'
        + "".join(_cell(run, ident) for run in runs)
        + "</tr>"
    )


def first_failed(ident: str, runs: Sequence[Run]) -> Run | None:
    """The first run in which `ident` failed, if any did."""
    return next((run for run in runs if run.statuses.get(ident) == "fail"), None)


def failing_since(ident: str, runs: Sequence[Run]) -> int | None:
    """The index of the run a current failure began in, if it held in some earlier run."""
    if runs[-1].statuses.get(ident) != "fail":
        return None
    start = len(runs) - 1
    while start > 0 and runs[start - 1].statuses.get(ident) == "fail":
        start -= 1
    held_before = any(run.statuses.get(ident) == "pass" for run in runs[:start])
    return start if held_before else None


def _regressions(runs: Sequence[Run], ids: Sequence[str]) -> str:
    broken = [(ident, failing_since(ident, runs)) for ident in ids]
    items = "".join(
        f"<li>{_e(ident)} ({_e(runs[-1].levels.get(ident, ''))}) fails since "
        f"{_e(runs[start].when[:10])} (run {start + 1} of {len(runs)}); it held before.</li>"
        for ident, start in broken
        if start is not None
    )
    return f'<h3>Regressions</h3><ul class="regressions">{items}</ul>' if items else ""


def _verdict_row(runs: Sequence[Run]) -> str:
    cells = "".join(
        f'<td class="verdict {_e(run.verdict)}">{_e(run.verdict.upper())}</td>' for run in runs
    )
    return f'<tr class="verdicts"><th>Verdict</th><td></td>{cells}</tr>'


def _measure_row(runs: Sequence[Run], measure: str) -> str:
    values = [float(run.requests) if measure == "requests" else run.duration_s for run in runs]
    tallest = max(values) or 1.0
    cells = "".join(
        f'<td><div class="bar" style="height:{round(BAR_PX * value / tallest)}px"></div>'
        f"<span>{_e(_measure_text(measure, value))}</span></td>"
        for value in values
    )
    title = "Requests" if measure == "requests" else "Duration"
    return f'<tr class="{measure}"><th>{title}</th><td></td>{cells}</tr>'


def _measure_text(measure: str, value: float) -> str:
    return f"{value:.0f}" if measure == "requests" else f"{value:.1f} s"


# --- the fleet ----------------------------------------------------------------------------


def _fleet(targets: dict[str, list[Run]]) -> str:
    latest = [runs[-1] for runs in targets.values()]
    ids = _requirement_ids(latest)
    head = "".join(f'<th class="vertical"><span>{_e(ident)}</span></th>' for ident in ids)
    rows = "".join(
        f'<tr id="fleet-{_e(run.target)}"><th class="id">{_e(run.target)}</th>'
        f"<td>{_e(run.when)}</td>"
        f'<td class="verdict {_e(run.verdict)}">{_e(run.verdict.upper())}</td>'
        + "".join(_cell(run, ident) for ident in ids)
        + "</tr>"
        for run in latest
    )
    return (
        f'<section id="fleet"><h2>Fleet: the latest run of {len(latest)} targets</h2>'
        f'<table class="fleet"><tr><th>Target</th><th>Run</th><th>Verdict</th>{head}</tr>'
        f"{rows}</table></section>"
    )


# --- the command --------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """Read the reports, write the page, say where."""
    parser = argparse.ArgumentParser(prog="layers-conformance history", description=__doc__)
    parser.add_argument("reports", nargs="+", type=Path, help="conformance.json files or folders")
    parser.add_argument(
        "--output", type=Path, default=Path("history.html"), help="default: history.html"
    )
    args = parser.parse_args(argv)
    try:
        runs = load_runs(args.reports)
    except ReportError as error:
        print(f"layers-conformance history: {error}", file=sys.stderr)
        return 2
    write_atomically(args.output, render_history(runs))
    targets = len(by_target(runs))
    print(f"history: {len(runs)} runs of {targets} target{'s' * (targets > 1)} -> {args.output}")
    return 0
