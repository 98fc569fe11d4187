"""Which requirements a run checks: all, the ones named, or the ones an earlier run failed.

`--requirement ID[,ID...]` names them; `--rerun-failed REPORT.json` takes every requirement
that did not hold in that report (fail, flaky, waived or inconclusive). Given both, a run
checks the union. Every problem is one line (a `ConfigError`), before anything is sent.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from pathlib import Path

from layers_conformance.core.targets import ConfigError
from layers_conformance.reporting.json_report import ReportError, read_json

RERUN_STATUSES = ("fail", "flaky", "waived", "inconclusive")
NOT_SELECTED = "not selected in this run (--requirement or --rerun-failed)"


def select_requirements(
    named: Sequence[str], rerun_failed: Path | None, known: Collection[str]
) -> frozenset[str] | None:
    """The requirement ids to run, or None for all of them."""
    if not named and rerun_failed is None:
        return None
    chosen = _named(named, known)
    if rerun_failed is not None:
        chosen |= _failed_in(rerun_failed, known)
    return frozenset(chosen)


def _named(values: Sequence[str], known: Collection[str]) -> set[str]:
    ids = {ident.strip() for value in values for ident in value.split(",") if ident.strip()}
    for ident in sorted(ids):
        if ident not in known:
            close = difflib.get_close_matches(ident, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"--requirement: unknown requirement id {ident!r}{hint}")
    return ids


def _failed_in(path: Path, known: Collection[str]) -> set[str]:
    try:
        report = read_json(path)
    except ReportError as error:
        raise ConfigError(f"--rerun-failed: {error}") from None
    # A requirement the catalogue has since dropped cannot be rerun; it is left out.
    return {
        entry["id"]
        for entry in report["requirements"]
        if entry["status"] in RERUN_STATUSES and entry["id"] in known
    }
