"""Open a run against its target, and close it by writing the reports, whatever happened."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from layers_conformance import __version__
from layers_conformance.catalogue import load_catalogue, spec_sha256
from layers_conformance.client import Client, ClientSettings, Credentials
from layers_conformance.exchange import Exchange
from layers_conformance.probe import Keys, Probe
from layers_conformance.profiles import PROFILES
from layers_conformance.reporting.html_report import write_html
from layers_conformance.reporting.json_report import STATUSES, write_json
from layers_conformance.results import RequirementResult, RunResult
from layers_conformance.run.waivers import WaiverBook, describe_use
from layers_conformance.runner import (
    Options,
    Tally,
    embedded_reference,
    worker_budget,
    worker_rate,
)
from layers_conformance.targets import Target

DEFAULT_READ_TIMEOUT_S = 10.0
GROUPED_SKIPS = 3  # this many requirements skipped for one reason share one summary line


def open_probe(
    options: Options,
    target: Target | None,
    stack: ExitStack,
    say: Callable[[str], None],
    on_exchange: Callable[[Exchange], None] | None,
) -> tuple[Target, Probe]:
    """Start the target if it is the embedded one, and check that it answers at all."""
    if target is None:
        say("starting the embedded reference server")
        target = stack.enter_context(embedded_reference(options))
    profile = PROFILES[options.profile]
    configured = Credentials(target.auth.scheme, target.auth.key.value)
    without = target.auth.key_without_scope
    keys = Keys(configured, Credentials(target.auth.scheme, without.value) if without else None)
    client = stack.enter_context(
        Client(
            target.base_url,
            configured,
            _settings(options, target),
            secrets=_secrets(keys),
            on_exchange=on_exchange,
        )
    )
    probe = Probe(client, target.fixtures, profile, keys, options.seed, on_progress=say)
    probe.get()  # fails fast, once, when the target is down (TargetUnreachable)
    return target, probe


def _settings(options: Options, target: Target) -> ClientSettings:
    profile = PROFILES[options.profile]
    deadline = time.monotonic() + (options.deadline_s or profile.deadline_s)
    return ClientSettings(
        budget=worker_budget(target.request_budget or profile.budget),
        rate_limit_rps=worker_rate(options.rate_limit_rps or target.rate_limit_rps),
        read_timeout_s=target.timeout_s or DEFAULT_READ_TIMEOUT_S,
        run_deadline=deadline,
    )


def _secrets(keys: Keys) -> dict[str, str]:
    secrets = {keys.configured.key: "$LAYERS_API_KEY"}
    if keys.without_scope is not None:
        secrets[keys.without_scope.key] = "$LAYERS_API_KEY_NO_SCOPE"
    return secrets


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
    aborted: str,
    requests: int,
    directory: Path,
    waivers: WaiverBook | None = None,
) -> RunResult:
    """Fold the verdicts, apply the waivers, and write `conformance.json` and `index.html`."""
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
        requests=requests,
        requirements=requirements,
        aborted=aborted,
        waivers=uses,
    )
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / "conformance.json")
    write_html(run, directory / "index.html")
    return run


def summary_lines(run: RunResult, directory: Path) -> list[str]:
    """The end of the terminal output: every requirement that did not pass, then the verdict."""
    skipped = Counter(r.reason for r in run.requirements if r.status == "skip")
    grouped = [reason for reason, count in skipped.items() if count >= GROUPED_SKIPS]
    lines = [
        f"{r.status.upper():<12} {r.id} ({r.level}): {_explained(r)}"
        for r in run.requirements
        if r.status != "pass" and not (r.status == "skip" and r.reason in grouped)
    ]
    # A smoke or selected run skips most of the catalogue for one reason: one line each.
    lines += [f"{'SKIP':<12} {skipped[reason]} requirements: {reason}" for reason in grouped]
    lines += [describe_use(outcome) for outcome in run.waivers if outcome.use != "applied"]
    counts = {s: sum(r.status == s for r in run.requirements) for s in STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if run.aborted:
        lines.append(f"run aborted: {run.aborted}")
    lines.append(
        f"verdict: {run.verdict.upper()} ({run.requests} requests, {run.duration_s:.1f} s)"
    )
    lines.append(
        f"reports: {directory}/ (conformance.json, index.html, junit.xml, allure-results/)"
    )
    return lines


def _explained(result: RequirementResult) -> str:
    if result.waiver is not None:
        return result.waiver.describe()
    return result.reason or result.statement
