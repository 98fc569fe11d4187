"""A certification run: refused unless it can exercise every MUST, and sealed as evidence.

Before the run, `refusal` says in one line why it cannot certify (a profile that leaves
requirements out, a narrowed selection, a fixture the target does not give). After it,
`evidence` gathers what `layers-conformance verify` needs to derive the verdict again
offline: the report, every exchange, the run's description and the spec it was judged by.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from layers_conformance.core.catalogue import Requirement, spec_dir
from layers_conformance.core.results import RunResult
from layers_conformance.core.targets import Target
from layers_conformance.reporting.files import HAR_FILE, REPORT_FILE, RUN_FILE
from layers_conformance.run.options import Options
from layers_conformance.run.start import missing_fixtures

CERTIFYING_PROFILES = ("standard", "thorough")
SPEC_PREFIX = "spec/"


def refusal(
    options: Options,
    target: Target | None,
    catalogue: Mapping[str, Requirement],
    narrowing: Iterable[str],
) -> str | None:
    """Why this run cannot certify, in one line; None when it can.

    `narrowing` names the options given that run fewer tests than all (`-k`, `-m`, ...);
    `target` is None for the embedded reference, which provides every fixture.
    """
    problems = [f"{flag} runs only some tests" for flag in narrowing]
    if options.profile not in CERTIFYING_PROFILES:
        problems.append(f"the {options.profile} profile leaves requirements out")
    if target is not None:
        problems += _missing(target, catalogue)
    if not problems:
        return None
    return "--certify needs every MUST exercised, but " + "; ".join(problems)


def split_refusal(workers: object) -> str | None:
    """Why a certification cannot run under pytest-xdist (`-n`), else None.

    Each worker has its own client and sees its own answers; where a server answers the
    same request differently (fresh cursor tokens), no one replay can follow every worker's
    pages, so `verify` could not re-derive the verdict.
    """
    if not workers:
        return None
    return f"--certify runs in one process: -n {workers} would split it between clients"


def _missing(target: Target, catalogue: Mapping[str, Requirement]) -> list[str]:
    needed: dict[str, list[str]] = {}
    for requirement in catalogue.values():
        if requirement.level == "MUST":
            for fixture in missing_fixtures(requirement, target):
                needed.setdefault(fixture, []).append(requirement.id)
    return [
        f"target {target.name!r} provides no {fixture} (needed by {', '.join(ids)})"
        for fixture, ids in needed.items()
    ]


def uncollected(catalogue: Mapping[str, Requirement], collected: Iterable[str]) -> str | None:
    """Why a certification cannot go on when some MUST has no test in the run, else None."""
    present = set(collected)
    absent = [r.id for r in catalogue.values() if r.level == "MUST" and r.id not in present]
    if not absent:
        return None
    return f"--certify needs every MUST exercised, but no test of {', '.join(absent)} was collected"


def verdict_lines(run: RunResult) -> list[str]:
    """The certification's verdict and, when it is no pass, the requirements that decide it."""
    if run.certification is None:
        return []
    lines = [f"certification: {run.certification.upper()}"]
    if run.broken:
        failed = (r.id if r.status == "fail" else f"{r.id} ({r.status})" for r in run.broken)
        lines.append(f"  failed: {', '.join(failed)}")
    if run.unproven:
        lines.append(f"  not shown: {', '.join(f'{r.id} ({r.status})' for r in run.unproven)}")
    if run.aborted:
        lines.append(f"  the run did not finish: {run.aborted}")
    return lines


def evidence(directory: Path, described: Mapping[str, Any]) -> dict[str, bytes]:
    """The bundle's files: the report and exchanges written in `directory`, the run as
    `describe_run` described it, and the spec."""
    files = {name: (directory / name).read_bytes() for name in (REPORT_FILE, HAR_FILE)}
    files[RUN_FILE] = (json.dumps(described, indent=2) + "\n").encode()
    return files | spec_files(spec_dir())


def spec_files(root: Path) -> dict[str, bytes]:
    """Every file under `root` (a `spec/` folder), named as in the bundle."""
    return {
        SPEC_PREFIX + path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
