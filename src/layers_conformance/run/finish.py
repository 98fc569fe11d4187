"""Finish a run: fold the verdicts and write the reports, whatever happened."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from layers_conformance import __version__
from layers_conformance.checks.changes import COMPARING
from layers_conformance.core.catalogue import load_catalogue, spec_sha256
from layers_conformance.core.results import REQUIREMENT_STATUSES, RequirementResult, RunResult
from layers_conformance.core.stops import StopKind
from layers_conformance.core.targets import Target
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reporting.bundle import write_bundle
from layers_conformance.reporting.changes import changes_lines
from layers_conformance.reporting.files import (
    ALLURE_DIR,
    BUNDLE_FILE,
    HAR_FILE,
    HTML_FILE,
    JUNIT_FILE,
    REPORT_FILE,
)
from layers_conformance.reporting.har import write_har
from layers_conformance.reporting.html_report import write_html
from layers_conformance.reporting.json_report import write_json
from layers_conformance.run.certify import evidence, verdict_lines
from layers_conformance.run.options import Options
from layers_conformance.run.tally import Tally
from layers_conformance.run.waivers import WaiverBook, describe_use

GROUPED_SKIPS = 3  # this many requirements skipped for one reason share one summary line
SPENDERS_SHOWN = 8  # tests listed in the terminal when a limit cut the run short


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
    waivers: WaiverBook | None = None,
    spools: Sequence[Path] = (),
    described: Mapping[str, Any] | None = None,
    budget: int = 0,
) -> RunResult:
    """Fold the verdicts, apply the waivers and write the reports: `conformance.json`,
    `index.html`, the exchanges of the `spools` (`reporting.har.Spool`) as `exchanges.har`
    and, for a certification run that reached its target (`described`, see
    `run.replay.describe_run`), the evidence bundle."""
    requirements = tally.fold(load_catalogue())
    requirements, uses = waivers.apply(requirements) if waivers else (requirements, ())
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
        requirements=requirements,
        aborted=tally.aborted,
        stop=tally.stop,
        waivers=uses,
        certify=options.certify,
        coverage=tally.coverage,
        changes=tally.changes,
        budget=budget,
        spending=tally.spending(),
        raise_hint=raise_hint(tally.cut_by, options, budget),
        traffic=tally.traffic,
    )
    directory = options.target_report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / REPORT_FILE)
    write_html(run, directory / HTML_FILE)
    write_har(spools, directory / HAR_FILE)
    # A replay (`verify`) re-derives a bundle's verdict; it makes no evidence of its own.
    if options.certify and options.replay is None and described is not None:
        write_bundle(directory / BUNDLE_FILE, evidence(directory, described))
    return run


def raise_hint(cut_by: set[StopKind], options: Options, budget: int) -> str:
    """Which of the run's limits cut it short, and how to raise it; empty when none did."""
    hints = []
    if StopKind.BUDGET in cut_by:
        hints.append(
            f"the request budget of {budget:,} ran out: raise request_budget in the targets "
            f"entry (the {options.profile} profile plans for {PROFILES[options.profile].budget:,})"
        )
    if StopKind.DEADLINE in cut_by:
        deadline = options.deadline_s or PROFILES[options.profile].deadline_s
        hints.append(
            f"the deadline of {deadline:g} s passed: raise --deadline, or the rate limit if "
            "the target allows"
        )
    return "; ".join(hints)


def summary_lines(run: RunResult, options: Options) -> list[str]:
    """The end of the terminal output: every requirement that did not pass, then the verdict."""
    skipped = Counter(r.reason for r in run.requirements if r.status == "skip")
    grouped = [reason for reason, count in skipped.items() if count >= GROUPED_SKIPS]
    # Root first: what one observation breaks by itself before what a comparison found.
    ordered = sorted(run.requirements, key=lambda r: r.id in COMPARING)
    lines = [
        f"{r.status.upper():<12} {r.id} ({r.level}): {_explained(r)}"
        for r in ordered
        if r.status != "pass" and not (r.status == "skip" and r.reason in grouped)
    ]
    # A smoke or selected run skips most of the catalogue for one reason: one line each.
    lines += [f"{'SKIP':<12} {skipped[reason]} requirements: {reason}" for reason in grouped]
    lines += [describe_use(outcome) for outcome in run.waivers if outcome.use != "applied"]
    counts = {s: sum(r.status == s for r in run.requirements) for s in REQUIREMENT_STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if run.aborted:
        lines.append(f"run aborted: {run.aborted}")
    lines += _spending_lines(run)
    lines += traffic_lines(run)
    lines += changes_lines(run.changes)
    used = f"{run.requests}/{run.budget} requests" if run.budget else f"{run.requests} requests"
    lines.append(f"verdict: {run.verdict.upper()} ({used}, {run.duration_s:.1f} s)")
    lines += verdict_lines(run)
    where = options.target_report_dir
    written = [REPORT_FILE, HTML_FILE, HAR_FILE, JUNIT_FILE, f"{ALLURE_DIR}/"]
    if (where / BUNDLE_FILE).is_file() and run.certify:
        written.append(BUNDLE_FILE)
    lines.append(f"reports: {where}/ ({', '.join(written)})")
    return lines


def traffic_lines(run: RunResult) -> list[str]:
    """What the target's refusals cost, in words; nothing when it refused nothing."""
    traffic = run.traffic
    if not traffic.retried:
        return []
    causes = ", ".join(f"{count} after {_cause(cause)}" for cause, count in traffic.retries)
    line = (
        f"the target refused or shed requests: {traffic.retried} sent again ({causes}); "
        f"{traffic.waited_s:.1f} s spent waiting; {run.effective_rps:g} requests/s in all"
    )
    if traffic.suggested_rps is not None:
        line += f"; rate_limit_rps: {traffic.suggested_rps:g} would have avoided the waits"
    return [line]


def _cause(cause: str) -> str:
    return "a connection closed before any answer" if cause == "closed" else f"HTTP {cause}"


def _explained(result: RequirementResult) -> str:
    if result.waiver is not None:
        return result.waiver.describe()
    return result.reason or result.statement


def _spending_lines(run: RunResult) -> list[str]:
    if not run.raise_hint:
        return []
    lines = [f"cut short: {run.raise_hint}", "requests by test, most first:"]
    lines += [
        f"  {spent.requests:>6,}  {spent.test} ({spent.requirement})"
        for spent in run.spending[:SPENDERS_SHOWN]
    ]
    if len(run.spending) > SPENDERS_SHOWN:
        lines.append(f"  … {len(run.spending) - SPENDERS_SHOWN} more tests in conformance.json")
    return lines
