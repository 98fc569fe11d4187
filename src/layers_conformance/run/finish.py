"""Finish a run: fold the verdicts and write the reports, whatever happened."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from layers_conformance import __version__
from layers_conformance.core.catalogue import load_catalogue, spec_sha256
from layers_conformance.core.results import RunResult
from layers_conformance.core.targets import Target
from layers_conformance.reporting.bundle import write_bundle
from layers_conformance.reporting.har import Entry, write_har
from layers_conformance.reporting.html_report import write_html
from layers_conformance.reporting.json_report import write_json
from layers_conformance.run.certify import BUNDLE_FILE, evidence, verdict_lines
from layers_conformance.run.options import Options
from layers_conformance.run.replay import HAR_FILE, REPORT_FILE
from layers_conformance.run.tally import Tally


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
    exchanges: Sequence[Entry] = (),
    described: Mapping[str, Any] | None = None,
) -> RunResult:
    """Fold the verdicts and write the reports: `conformance.json`, `index.html`, the
    exchanges as `exchanges.har` and, for a certification run that reached its target
    (`described`, see `run.replay.describe_run`), the evidence bundle."""
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
        certify=options.certify,
    )
    directory = options.target_report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / REPORT_FILE)
    write_html(run, directory / "index.html")
    write_har(exchanges, directory / HAR_FILE)
    # A replay (`verify`) re-derives a bundle's verdict; it makes no evidence of its own.
    if options.certify and options.replay is None and described is not None:
        write_bundle(directory / BUNDLE_FILE, evidence(directory, described))
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
    lines += verdict_lines(run)
    where = options.target_report_dir
    written = ["conformance.json", "index.html", "exchanges.har", "junit.xml", "allure-results/"]
    if (where / BUNDLE_FILE).is_file() and run.certify:
        written.append(BUNDLE_FILE)
    lines.append(f"reports: {where}/ ({', '.join(written)})")
    return lines
