"""What one run of the suites in a subprocess printed and left behind, as the self-tests that
run the suites from outside read it (tests/robustness/, tests/gate/): the exit status, the
terminal, `conformance.json`, and `junit.xml` parsed the way CI systems parse it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    """One JUnit test case as a CI system reads it."""

    name: str
    properties: dict[str, str]
    outcome: str  # "passed", or the tag of its child: failure, error, skipped
    message: str
    text: str


@dataclass(frozen=True)
class Run:
    """What one run of the suites printed and left in its report folder."""

    code: int
    stdout: str
    stderr: str
    elapsed: float
    report_dir: Path
    peak_rss_mb: float = 0.0  # the pytest process's own peak resident memory (ru_maxrss)

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

    @property
    def reasons(self) -> dict[str, str]:
        return {r["id"]: r["reason"] for r in self.report["requirements"]}

    def requirement(self, ident: str) -> dict[str, Any]:
        """The report's entry for one requirement."""
        return next(r for r in self.report["requirements"] if r["id"] == ident)

    def junit(self) -> list[Case]:
        """Every test case of junit.xml, parsed with the standard library like CI tools do."""
        root = ET.parse(self.report_dir / "junit.xml").getroot()
        return [_case(element) for element in root.iter("testcase")]

    def explain(self) -> str:
        """The end of the run's output, for assertion messages."""
        return "\n".join(self.output.strip().splitlines()[-25:])

    def written(self) -> dict[str, str]:
        """Everything the run wrote: its output and every file under the report folder."""
        texts = {"stdout": self.stdout, "stderr": self.stderr}
        for path in sorted(p for p in self.report_dir.parent.rglob("*") if p.is_file()):
            texts[str(path.relative_to(self.report_dir.parent))] = path.read_bytes().decode(
                "utf-8", errors="replace"
            )
        return texts


def _case(element: ET.Element) -> Case:
    properties = {p.get("name", ""): p.get("value", "") for p in element.iter("property")}
    verdict = next((c for c in element if c.tag in ("failure", "error", "skipped")), None)
    if verdict is None:
        return Case(element.get("name", ""), properties, "passed", "", "")
    message = verdict.get("message", "")
    return Case(element.get("name", ""), properties, verdict.tag, message, verdict.text or "")
