"""Helpers for the CI-gate self-tests: run the real suites in a fresh pytest process against
the embedded reference (maybe with a fault), then read what CI would read: the exit status,
the terminal, `conformance.json` and `junit.xml`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
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

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO / "suites"
RUN_TIMEOUT_S = 240


@dataclass(frozen=True)
class Case:
    """One JUnit test case as a CI system reads it."""

    name: str
    properties: dict[str, str]
    outcome: str  # "passed", or the tag of its child: failure, error, skipped
    message: str
    text: str


@dataclass(frozen=True)
class GateRun:
    """What one run printed and left in its report folder."""

    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.report_dir / "conformance.json").read_text())
        return data

    @property
    def statuses(self) -> dict[str, str]:
        return {r["id"]: r["status"] for r in self.report["requirements"]}

    def requirement(self, ident: str) -> dict[str, Any]:
        return next(r for r in self.report["requirements"] if r["id"] == ident)

    def junit(self) -> list[Case]:
        """Every test case of junit.xml, parsed with the standard library like CI tools do."""
        root = ET.parse(self.report_dir / "junit.xml").getroot()
        return [_case(element) for element in root.iter("testcase")]

    def explain(self) -> str:
        return "\n".join(self.output.strip().splitlines()[-30:])


def _case(element: ET.Element) -> Case:
    properties = {p.get("name", ""): p.get("value", "") for p in element.iter("property")}
    verdict = next((c for c in element if c.tag in ("failure", "error", "skipped")), None)
    if verdict is None:
        return Case(element.get("name", ""), properties, "passed", "", "")
    message = verdict.get("message", "")
    return Case(element.get("name", ""), properties, verdict.tag, message, verdict.text or "")


def gate_env(**extra: str) -> dict[str, str]:
    """Our environment without pytest's own variables (xdist's would shrink the budget)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return env | extra


def run_gate(
    tmp_path: Path, *args: str, target: str = "reference", env: dict[str, str] | None = None
) -> GateRun:
    """The suites (against the embedded reference unless `args` say otherwise), run from
    `tmp_path` so no stray targets.yaml is picked up."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    reports = tmp_path / "reports"
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "-q", "-p", "no:randomly",
        f"--report-dir={reports}", "--seed=1", *args,
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
        cwd=tmp_path,
        env=env or gate_env(),
    )
    return GateRun(done.returncode, done.stdout, done.stderr, reports / target)


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
