"""Open a run against its target, and close it by writing the reports, whatever happened."""

from __future__ import annotations

import time
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
from layers_conformance.reporting.json_report import write_json
from layers_conformance.results import RunResult
from layers_conformance.runner import (
    Options,
    Tally,
    embedded_reference,
    worker_budget,
    worker_rate,
)
from layers_conformance.targets import KEY_NO_SCOPE_VARIABLE, KEY_VARIABLE, Auth, Target

DEFAULT_READ_TIMEOUT_S = 10.0


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
            secrets=_secrets(target.auth),
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


def _secrets(auth: Auth) -> dict[str, str]:
    """Each key's placeholder: the variable it was read from, so a pasted curl line works."""
    secrets = {auth.key.value: f"${auth.key.variable or KEY_VARIABLE}"}
    if auth.key_without_scope is not None:
        variable = auth.key_without_scope.variable or KEY_NO_SCOPE_VARIABLE
        secrets[auth.key_without_scope.value] = f"${variable}"
    return secrets


def finish_run(
    options: Options,
    target: Target | None,
    tally: Tally,
    aborted: str,
    requests: int,
    directory: Path,
) -> RunResult:
    """Fold the verdicts and write `conformance.json` and `index.html` into `directory`."""
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
        requirements=tally.fold(load_catalogue()),
        aborted=aborted,
    )
    directory.mkdir(parents=True, exist_ok=True)
    write_json(run, directory / "conformance.json")
    write_html(run, directory / "index.html")
    return run


def summary_lines(run: RunResult, directory: Path) -> list[str]:
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
    lines.append(
        f"reports: {directory}/ (conformance.json, index.html, junit.xml, allure-results/)"
    )
    return lines
