"""Finish a run: fold the verdicts and write the reports, whatever happened."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from layers_conformance import __version__
from layers_conformance.core.catalogue import load_catalogue, spec_sha256
from layers_conformance.core.results import RunResult
from layers_conformance.core.targets import Target
from layers_conformance.reporting.html_report import write_html
from layers_conformance.reporting.json_report import write_json
from layers_conformance.run.options import Options
from layers_conformance.run.tally import Tally


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
) -> RunResult:
    """Fold the verdicts and write `conformance.json` and `index.html` for the target."""
    run = RunResult(
        suite_version=__version__,
        spec_sha256=spec_sha256(),
        target=options.target,
        base_url=target.base_url if target else "",
        profile=options.profile,
        seed=options.seed,
        started_at=datetime.fromtimestamp(tally.started, UTC).isoformat(timespec="seconds"),
        duration_s=round(time.time() - tally.started, 3),
        requests=tally.requests,
        requirements=tally.fold(load_catalogue()),
        aborted=tally.aborted,
        coverage=tally.coverage,
    )
    directory = options.target_report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / "conformance.json")
    write_html(run, directory / "index.html")
    return run


def summary_lines(run: RunResult, options: Options) -> list[str]:
    """The end of the terminal output: every requirement that did not pass, then the verdict."""
    lines = [
        f"{r.status.upper():<12} {r.id} ({r.level}): {r.reason or r.statement}"
        for r in run.requirements
        if r.status != "pass"
    ]
    counts = {
        s: sum(r.status == s for r in run.requirements)
        for s in ("pass", "fail", "warn", "inconclusive", "skip")
    }
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if run.aborted:
        lines.append(f"run aborted: {run.aborted}")
    lines.append(
        f"verdict: {run.verdict.upper()} ({run.requests} requests, {run.duration_s:.1f} s)"
    )
    where = options.target_report_dir
    lines.append(f"reports: {where}/ (conformance.json, index.html, junit.xml, allure-results/)")
    return lines
