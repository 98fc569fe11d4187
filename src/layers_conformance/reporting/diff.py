"""`layers-conformance diff OLD.json NEW.json`: what changed between two runs.

Exit status: 1 when a requirement newly fails, 0 otherwise, 2 when a file is not a report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from layers_conformance.reporting.json_report import ReportError, read_json

ABSENT = ""  # the status or level of a requirement that is not in one of the two reports

# A rule sees (value before, value after) and says whether the change is of its kind.
Rule = Callable[[str, str], bool]


@dataclass(frozen=True)
class Change:
    """One requirement's value (status or level) before and after; ABSENT where missing."""

    id: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    """The differences between two reports, one tuple per kind, in report order."""

    newly_failing: tuple[Change, ...]
    newly_flaky: tuple[Change, ...]
    newly_waived: tuple[Change, ...]
    newly_warning: tuple[Change, ...]
    newly_passing: tuple[Change, ...]
    other_status: tuple[Change, ...]
    level_changed: tuple[Change, ...]
    appeared: tuple[Change, ...]
    disappeared: tuple[Change, ...]


# A requirement new in NEW.json that fails counts as newly failing (and one that warns as
# newly warning): for the target it is a failure the old run did not have.
def _newly_failing(before: str, after: str) -> bool:
    return after == "fail" and before != "fail"


# Flaky (failed once, then held) and waived (failed, excused until a date) are their own
# kinds: a nightly job may open a ticket for them, but they do not fail the diff.
def _newly_flaky(before: str, after: str) -> bool:
    return after == "flaky" and before != "flaky"


def _newly_waived(before: str, after: str) -> bool:
    return after == "waived" and before != "waived"


def _newly_warning(before: str, after: str) -> bool:
    return after == "warn" and before != "warn"


def _newly_passing(before: str, after: str) -> bool:
    return before in ("fail", "flaky", "waived", "warn") and after == "pass"


def _other_status(before: str, after: str) -> bool:
    named = (_newly_failing, _newly_flaky, _newly_waived, _newly_warning, _newly_passing)
    return _both_differ(before, after) and not any(rule(before, after) for rule in named)


def _both_differ(before: str, after: str) -> bool:
    return ABSENT not in (before, after) and before != after


def _appeared(before: str, after: str) -> bool:
    return before == ABSENT


def _disappeared(before: str, after: str) -> bool:
    return after == ABSENT


def compare(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    """Sort every difference between two reports (as `read_json` returns them) by kind."""
    before, after = _by_id(old), _by_id(new)
    return Comparison(
        newly_failing=_changes(before, after, "status", _newly_failing),
        newly_flaky=_changes(before, after, "status", _newly_flaky),
        newly_waived=_changes(before, after, "status", _newly_waived),
        newly_warning=_changes(before, after, "status", _newly_warning),
        newly_passing=_changes(before, after, "status", _newly_passing),
        other_status=_changes(before, after, "status", _other_status),
        level_changed=_changes(before, after, "level", _both_differ),
        appeared=_changes(before, after, "status", _appeared),
        disappeared=_changes(before, after, "status", _disappeared),
    )


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in report["requirements"]}


def _changes(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], key: str, rule: Rule
) -> tuple[Change, ...]:
    # NEW.json's order first, then what only OLD.json has, so the output follows the catalogue.
    ids = [*after, *(ident for ident in before if ident not in after)]
    pairs = (Change(i, _value(before, i, key), _value(after, i, key)) for i in ids)
    return tuple(change for change in pairs if rule(change.before, change.after))


def _value(entries: dict[str, dict[str, Any]], ident: str, key: str) -> str:
    entry = entries.get(ident)
    return ABSENT if entry is None else str(entry[key])


TITLES = {
    "newly_failing": "newly failing",
    "newly_flaky": "newly flaky",
    "newly_waived": "newly waived",
    "newly_warning": "newly warning",
    "newly_passing": "newly passing",
    "other_status": "other status changes",
    "level_changed": "level changed",
    "appeared": "appeared",
    "disappeared": "disappeared",
}


def format_comparison(comparison: Comparison, old: dict[str, Any], new: dict[str, Any]) -> str:
    """The comparison as a person reads it in a CI log."""
    lines = [f"verdict: {old['verdict']} -> {new['verdict']}"]
    for kind in fields(comparison):
        changes: tuple[Change, ...] = getattr(comparison, kind.name)
        if changes:
            lines.append(f"{TITLES[kind.name]} ({len(changes)}):")
            lines += [_format_change(change) for change in changes]
    if len(lines) == 1:
        lines.append("no requirement changed status or level")
    return "\n".join(lines)


def _format_change(change: Change) -> str:
    before = change.before or "(absent)"
    after = change.after or "(absent)"
    return f"  {change.id:<26} {before} -> {after}"


def main(argv: Sequence[str]) -> int:
    """Compare two reports; print the differences; exit 1 on new failures."""
    parser = argparse.ArgumentParser(prog="layers-conformance diff", description=__doc__)
    parser.add_argument("old", help="the earlier conformance.json")
    parser.add_argument("new", help="the later conformance.json")
    args = parser.parse_args(argv)
    try:
        old, new = read_json(args.old), read_json(args.new)
    except ReportError as error:
        print(f"layers-conformance diff: {error}", file=sys.stderr)
        return 2
    comparison = compare(old, new)
    print(format_comparison(comparison, old, new))
    return 1 if comparison.newly_failing else 0
