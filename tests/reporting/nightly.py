"""Ten generated nightly reports of one target, with a regression on night 7.

Used by the history self-tests and to draw the README's screenshot:

    python tests/reporting/nightly.py OUT_DIR && layers-conformance history OUT_DIR ...

Every night checks the whole catalogue at 03:00 UTC. SHAPE-ID-PREFIX-001 (a SHOULD) warns
throughout; LIMIT-DEFAULT-001 is flaky on night 4; from night 7 the server sorts oldest first
(ORDER-NEWEST-001, TRAV-PAGING-001 and QUERY-VALIDATION-001 fail), and from night 9 the team
waives QUERY-VALIDATION-001 until a fix ships.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.core.results import RunResult, Status, Waiver
from layers_conformance.reporting.json_report import write_json
from layers_conformance.run.tally import Tally, TestRecord

FIRST_NIGHT = date(2026, 11, 1)
NIGHTS = 10
REGRESSION_NIGHT = 7
REGRESSED = ("ORDER-NEWEST-001", "TRAV-PAGING-001", "QUERY-VALIDATION-001")
WAIVER = Waiver("QUERY-VALIDATION-001", "sort fix ships in API-123", date(2026, 12, 31))


def status_on(night: int, ident: str) -> Status:
    """What the night's run said about one requirement."""
    if ident == "QUERY-VALIDATION-001" and night >= REGRESSION_NIGHT + 2:
        return "waived"
    if ident in REGRESSED and night >= REGRESSION_NIGHT:
        return "fail"
    if ident == "SHAPE-ID-PREFIX-001":
        return "warn"
    if ident == "LIMIT-DEFAULT-001" and night == 4:
        return "flaky"
    return "pass"


def nightly_run(night: int, target: str = "production") -> RunResult:
    """Night `night` (1-based) of the target's history: one test per requirement, folded."""
    catalogue = load_catalogue()
    records = [
        TestRecord(ident, status_on(night, ident), _reason(night, status_on(night, ident)))
        for ident in catalogue
    ]
    results = tuple(
        replace(result, waiver=WAIVER) if result.status == "waived" else result
        for result in Tally(records).fold(catalogue)
    )
    failing = any(result.status == "fail" for result in results)
    return RunResult(
        suite_version="0.1.0",
        spec_sha256="ab" * 32,
        target=target,
        base_url=f"https://{target}.example.com",
        profile="standard",
        seed=night,
        started_at=f"{FIRST_NIGHT + timedelta(days=night - 1)}T03:00:00+00:00",
        duration_s=1.6 + 0.05 * (night % 4) + (0.9 if failing else 0.0),
        requests=228 + (night % 3) - (95 if failing else 0),
        requirements=results,
    )


def _reason(night: int, status: Status) -> str:
    return "" if status == "pass" else f"night {night}: {status}"


def write_nights(folder: Path, target: str = "production", nights: int = NIGHTS) -> list[Path]:
    """The nightly reports as CI keeps them: `folder/<night>/conformance.json`."""
    paths = []
    for night in range(1, nights + 1):
        path = folder / f"night-{night:02d}" / "conformance.json"
        write_json(nightly_run(night, target), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    write_nights(Path(sys.argv[1]))
