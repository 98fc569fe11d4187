"""`conformance.json`: the machine-readable report, and the reader the diff command uses.

The key names are a public format: users' CI reads them, so they change only with care.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from layers_conformance.core.inputs import MAX_REPORT_BYTES, InputError, read_text
from layers_conformance.core.redaction import REDACTOR, clean
from layers_conformance.core.results import (
    REQUIREMENT_STATUSES,
    RUN_VERDICTS,
    Evidence,
    PairCoverage,
    RequirementResult,
    RunResult,
    Waiver,
)
from layers_conformance.core.strict_json import parse
from layers_conformance.reporting.changes import changes_json

LEVELS = ("MUST", "SHOULD")
# A report is written once and then read by other tools, so it need not stay private.
REPORT_MODE = 0o644


class ReportError(ValueError):
    """A file that should be a conformance report is missing, unreadable or malformed."""


def to_json(run: RunResult) -> dict[str, Any]:
    """The report as plain JSON data, in the documented key order, every string `clean`."""
    report: dict[str, Any] = clean_strings(_report(run))
    return report


def clean_strings(value: Any) -> Any:
    """`value` with every string in it (keys too) redacted and its controls made visible."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_strings(key): clean_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_strings(item) for item in value]
    return value


def _report(run: RunResult) -> dict[str, Any]:
    certification = {"certification": run.certification} if run.certify else {}
    return {
        "suite_version": run.suite_version,
        "spec_sha256": run.spec_sha256,
        "target": run.target,
        "base_url": run.base_url,
        "profile": run.profile,
        "seed": run.seed,
        "started_at": run.started_at,
        "duration_s": round(run.duration_s, 3),
        "verdict": run.verdict,
        **certification,
        "requests": run.requests,
        "aborted": run.aborted,
        "stop_kind": None if run.stop is None else run.stop.value,
        "budget": _budget(run),
        "traffic": {**run.traffic.to_json(), "effective_rps": run.effective_rps},
        "requirements": [_requirement(result) for result in run.requirements],
        "waivers": [_waiver(outcome.waiver) | {"use": outcome.use} for outcome in run.waivers],
        "coverage": [_coverage(part) for part in run.coverage],
        "changes": changes_json(run.changes),
    }


def _budget(run: RunResult) -> dict[str, Any]:
    """The run's request budget, what cut the run short if anything did, and who spent what."""
    return {
        "requests": run.budget,
        "cut_short": run.raise_hint,
        "spent_by_test": [asdict(spent) for spent in run.spending],
    }


def _requirement(result: RequirementResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "level": result.level,
        "status": result.status,
        "tests": result.tests,
        "reason": result.reason,
        "area": result.area,
        "statement": result.statement,
        "evidence": [_evidence(item) for item in result.evidence],
        "waiver": _waiver(result.waiver) if result.waiver else None,
    }


def _coverage(part: PairCoverage) -> dict[str, Any]:
    return {
        "dimensions": list(part.dimensions),
        "possible": part.possible,
        "feasible": len(part.feasible),
        "exercised": len(part.exercised),
        "missed": [list(pair) for pair in part.missed],
        "sent": [list(pair) for pair in part.exercised],
    }


def _waiver(waiver: Waiver) -> dict[str, str]:
    return {
        "requirement": waiver.requirement,
        "reason": waiver.reason,
        "expires": waiver.expires.isoformat(),
        "target": waiver.target,
        "source": waiver.source,
    }


def _evidence(item: Evidence) -> dict[str, Any]:
    # Through JSON and back: the drawings' tuples become the lists a reader gets back.
    data: dict[str, Any] = json.loads(json.dumps(asdict(item)))
    return data


def write_json(run: RunResult, path: Path | str) -> None:
    """Write the report to `path`, all or nothing."""
    text = json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n"
    write_atomically(Path(path), text)


def write_atomically(path: Path, content: str | bytes | Iterable[bytes]) -> None:
    """Replace `path` with `content` so a reader sees the old file or the new one, never a half.

    Every report file goes through here: the edge where a report leaves the process. Text is
    redacted by the run's redactor, whatever the writer did before, and written as UTF-8 (a
    lone surrogate a server sent as an escape, never a crash); bytes (an archive of files
    that came through here, or the lines of a HAR spool, redacted as they were spooled) are
    written as they are, an iterable of them a piece at a time.
    """
    if isinstance(content, str):
        pieces: Iterable[bytes] = [REDACTOR.redact(content).encode("utf-8", "backslashreplace")]
    elif isinstance(content, bytes):
        pieces = [content]
    else:
        pieces = content
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            for piece in pieces:
                file.write(piece)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, REPORT_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_json(path: Path | str) -> dict[str, Any]:
    """A report written by `write_json`, checked for what the diff relies on."""
    data = read_json_file(path, "the report", "a conformance report")
    problem = _report_problem(data)
    if problem:
        raise ReportError(f"{path}: not a conformance report: {problem}")
    report: dict[str, Any] = data
    return report


def read_json_file(path: Path | str, the: str, a: str) -> Any:
    """The value of a JSON file the suite wrote (a report, a run's description), read as the
    hostile input it may have become: bounded (`core.inputs`), strict (`core.strict_json`)."""
    try:
        text = read_text(Path(path), MAX_REPORT_BYTES)
    except InputError as error:
        raise ReportError(f"{path}: cannot read {the}: {error}") from None
    data, problem = parse(text)
    if problem is not None:
        raise ReportError(f"{path}: not {a}: invalid JSON ({problem})")
    return data


def _report_problem(data: Any) -> str:
    if not isinstance(data, dict):
        return "the top level is not an object"
    if data.get("verdict") not in RUN_VERDICTS:
        return f"verdict must be one of {RUN_VERDICTS}"
    if not isinstance(data.get("requirements"), list):
        return "requirements must be a list"
    for index, entry in enumerate(data["requirements"]):
        problem = _requirement_problem(entry)
        if problem:
            return f"requirements[{index}]: {problem}"
    return ""


def _requirement_problem(entry: Any) -> str:
    if not isinstance(entry, dict):
        return "not an object"
    if not isinstance(entry.get("id"), str) or not entry["id"]:
        return "id must be a non-empty string"
    if entry.get("level") not in LEVELS:
        return f"{entry['id']}: level must be one of {LEVELS}"
    if entry.get("status") not in REQUIREMENT_STATUSES:
        return f"{entry['id']}: status must be one of {REQUIREMENT_STATUSES}"
    return ""
