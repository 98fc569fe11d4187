"""Helpers for the CI-gate self-tests: run the real suites in a fresh pytest process against
the embedded reference (maybe with a fault), then read what CI would read: the exit status,
the terminal, `conformance.json` and `junit.xml`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp

from layers_conformance.reference import (
    FAULTS,
    build_dataset,
    reference_app,
    serve_in_thread,
    targets_entry,
)
from layers_conformance.standalone import run_to_the_end, without_pytest_variables
from suite_run import Run

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO / "suites"
RUN_TIMEOUT_S = 240


def gate_env(**extra: str) -> dict[str, str]:
    """Our environment without pytest's own variables (xdist's would shrink the budget)."""
    return without_pytest_variables(**extra)


def run_gate(
    tmp_path: Path, *args: str, target: str = "reference", env: dict[str, str] | None = None
) -> Run:
    """The suites (against the embedded reference unless `args` say otherwise), run from
    `tmp_path` so no stray targets.yaml is picked up."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    reports = tmp_path / "reports"
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "-q", "-p", "no:randomly",
        f"--report-dir={reports}", "--seed=1", *args,
    ]  # fmt: skip
    started = time.monotonic()
    done = run_to_the_end(command, cwd=tmp_path, timeout_s=RUN_TIMEOUT_S, env=env or gate_env())
    return Run(
        done.returncode, done.stdout, done.stderr, time.monotonic() - started, reports / target
    )


@dataclass(frozen=True)
class Served:
    """A reference server started by the test, and the environment its targets entry needs."""

    base_url: str
    entry: dict[str, Any]
    env: dict[str, str]


@contextmanager
def served_reference(*faults: str, app: ASGIApp | None = None) -> Iterator[Served]:
    """The reference (with `faults`, or `app` built on its dataset) on a loopback port, as a
    remote target would be."""
    dataset = build_dataset()
    app = app or reference_app(dataset, *(FAULTS[f] for f in faults))
    with serve_in_thread(app) as base_url:
        known = dataset.fixtures
        keys = {"LAYERS_API_KEY": known.key, "LAYERS_API_KEY_NO_SCOPE": known.key_without_scope}
        yield Served(base_url, targets_entry(base_url, known), gate_env(**keys))


def write_targets(path: Path, entries: dict[str, dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"targets": entries}), encoding="utf-8")
    return path
