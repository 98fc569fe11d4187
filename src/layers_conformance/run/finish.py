"""Finish a run: fold the verdicts and write the reports, whatever happened."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

from layers_conformance import __version__
from layers_conformance.core.catalogue import load_catalogue, spec_sha256
from layers_conformance.core.results import RequirementResult, RunResult
from layers_conformance.core.targets import Target
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reporting.html_report import write_html
from layers_conformance.reporting.json_report import write_json
from layers_conformance.run.options import Options
from layers_conformance.run.tally import Tally

SPENDERS_SHOWN = 8  # tests listed in the terminal when a limit cut the run short
# A skip reason shared by this many requirements is said once, not once per requirement.
GROUPED_SKIPS = 2


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
    budget: int = 0,
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
        budget=budget,
        spending=tally.spending(),
        raise_hint=raise_hint(tally.cut_by, options, budget),
    )
    directory = options.target_report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / "conformance.json")
    write_html(run, directory / "index.html")
    return run


def raise_hint(cut_by: set[str], options: Options, budget: int) -> str:
    """Which of the run's limits cut it short, and how to raise it; empty when none did."""
    hints = []
    if "budget" in cut_by:
        hints.append(
            f"the request budget of {budget:,} ran out: raise request_budget in the targets "
            f"entry (the {options.profile} profile plans for {PROFILES[options.profile].budget:,})"
        )
    if "deadline" in cut_by:
        deadline = options.deadline_s or PROFILES[options.profile].deadline_s
        hints.append(
            f"the deadline of {deadline:g} s passed: raise --deadline, or the rate limit if "
            "the target allows"
        )
    return "; ".join(hints)


def summary_lines(run: RunResult, options: Options) -> list[str]:
    """The end of the terminal output: every requirement that did not pass, then the verdict."""
    lines = _not_passed(run.requirements)
    counts = {
        s: sum(r.status == s for r in run.requirements)
        for s in ("pass", "fail", "warn", "inconclusive", "skip")
    }
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if run.aborted:
        lines.append(f"run aborted: {run.aborted}")
    lines += _spending_lines(run)
    used = f"{run.requests}/{run.budget} requests" if run.budget else f"{run.requests} requests"
    lines.append(f"verdict: {run.verdict.upper()} ({used}, {run.duration_s:.1f} s)")
    where = options.target_report_dir
    lines.append(f"reports: {where}/ (conformance.json, index.html, junit.xml, allure-results/)")
    return lines


def _not_passed(requirements: tuple[RequirementResult, ...]) -> list[str]:
    """One line per requirement that did not pass; skips that share a reason share a line."""
    shared = Counter(r.reason for r in requirements if r.status == "skip")
    lines = [
        f"{r.status.upper():<12} {r.id} ({r.level}): {r.reason or r.statement}"
        for r in requirements
        if r.status != "pass" and not (r.status == "skip" and shared[r.reason] >= GROUPED_SKIPS)
    ]
    lines += [
        f"{'SKIP':<12} {count} requirements: {reason}"
        for reason, count in shared.items()
        if count >= GROUPED_SKIPS
    ]
    return lines


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
