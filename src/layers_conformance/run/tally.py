"""Test outcomes gathered over a run, folded into one verdict per requirement."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.results import (
    Change,
    Evidence,
    PairCoverage,
    RequirementResult,
    Spent,
    Status,
    Traffic,
    merge_changes,
    merge_coverage,
)
from layers_conformance.core.stops import StopKind

# A flaky MUST failed once: it outranks a SHOULD's warning, never a failure.
STATUS_PRECEDENCE: tuple[Status, ...] = (
    "fail", "waived", "flaky", "warn", "inconclusive", "pass", "skip"
)  # fmt: skip
ABORTED = "the run could not finish: "  # then the first test's reason why


@dataclass(frozen=True)
class TestRecord:
    """What one test's verdict carries from the process that ran it to the one that reports.

    Why it travels on pytest's test report (see `verdicts.attach_record`): under pytest-xdist a
    test runs in a worker process, and its report, serialised, is all that reaches the
    controller, where the tally is folded and the reports are written. So every field is
    plain data (`to_json` / `from_json`), and this class is the one place that says what crosses.
    """

    __test__ = False  # not a pytest test class, despite its name

    requirement: str
    status: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    # Why the run could not finish (budget, deadline, target gone): such a run never passes.
    incomplete: str = ""
    worker: str = "main"
    requests_sent: int = 0  # by this worker's client so far
    # Pairs of the query space the test's own cases sent (tests that draw from the space).
    coverage: tuple[PairCoverage, ...] = ()
    test: str = ""  # the test's node id
    requests_used: int = 0  # sent for this test (walks it was the first to read included)
    stops_run: bool = False  # the test met a condition that ends the run (see ClientError)
    stop: StopKind | None = None  # why `incomplete`, as data
    traffic: Traffic | None = None  # what the target's refusals cost this worker's client so far
    # Changes of the list the test's comparisons set aside (a list in use).
    changes: tuple[Change, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The record as plain data, to travel on a report."""
        traffic = None if self.traffic is None else self.traffic.to_json()
        stop = None if self.stop is None else self.stop.value
        return {**asdict(self), "stop": stop, "traffic": traffic}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestRecord:
        """The record from what `to_json` gave, after the trip."""
        evidence = tuple(Evidence.from_json(fields) for fields in data.get("evidence", ()))
        coverage = tuple(PairCoverage.from_json(part) for part in data.get("coverage", ()))
        stop = None if data.get("stop") is None else StopKind(data["stop"])
        traffic = None if data.get("traffic") is None else Traffic.from_json(data["traffic"])
        changes = tuple(Change.from_json(part) for part in data.get("changes", ()))
        fields = {"evidence": evidence, "coverage": coverage, "stop": stop, "traffic": traffic}
        return cls(**{**data, **fields, "changes": changes})


@dataclass
class Tally:
    """Test records gathered over a run, folded into one result per requirement."""

    records: list[TestRecord] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    not_run: dict[str, str] = field(default_factory=dict)  # requirement -> why it did not run
    requests_by_worker: dict[str, int] = field(default_factory=dict)
    traffic_by_worker: dict[str, Traffic] = field(default_factory=dict)  # each client's latest
    aborted: str = ""
    stop: StopKind | None = None  # why `aborted`, as data (what a replay must repeat)
    stopped: bool = False  # a test stopped the run (not the user: see the plugin's exit code)

    def add(self, record: TestRecord) -> None:
        """Count one test's record: its verdict, why the run is incomplete, its requests."""
        self.records.append(record)
        self.stopped = self.stopped or record.stops_run
        if record.incomplete and self._outranks(record.stop):
            self.aborted, self.stop = f"{ABORTED}{record.incomplete}", record.stop
        seen = self.requests_by_worker.get(record.worker, 0)
        self.requests_by_worker[record.worker] = max(seen, record.requests_sent)
        if record.traffic is not None:
            self.traffic_by_worker[record.worker] = record.traffic

    def _outranks(self, stop: StopKind | None) -> bool:
        """The first reason, unless a refusal comes after a reason that was not one (an
        unread answer): `aborted` names what cut the run short when anything did."""
        if not self.aborted:
            return True
        return stop is not None and stop.refusal and not (self.stop and self.stop.refusal)

    @property
    def traffic(self) -> Traffic:
        """What the target's refusals cost every worker's client."""
        total = Traffic()
        for traffic in self.traffic_by_worker.values():
            total = total.plus(traffic)
        return total

    @property
    def cut_by(self) -> set[StopKind]:
        """The run's limits that cut tests short (budget, deadline)."""
        return {record.stop for record in self.records if record.stop and record.stop.limit}

    @property
    def coverage(self) -> tuple[PairCoverage, ...]:
        """The query space's pairs every test's cases sent, merged."""
        return merge_coverage(part for record in self.records for part in record.coverage)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The list's changes every test set aside, each with the requirements it narrowed."""
        return merge_changes((r.requirement, c) for r in self.records for c in r.changes)

    @property
    def requests(self) -> int:
        """Requests sent by every worker's client."""
        return sum(self.requests_by_worker.values())

    def spending(self) -> tuple[Spent, ...]:
        """Requests by test, most first: where the budget went."""
        spent = [Spent(r.test, r.requirement, r.requests_used) for r in self.records if r.test]
        return tuple(sorted(spent, key=lambda s: (-s.requests, s.test)))

    def fold(self, catalogue: dict[str, Requirement]) -> tuple[RequirementResult, ...]:
        """Every catalogue requirement's verdict; one with no test is never a pass."""
        return tuple(self._fold_one(req) for req in catalogue.values())

    def _fold_one(self, requirement: Requirement) -> RequirementResult:
        mine = [r for r in self.records if r.requirement == requirement.id]
        status, reason = _worst(mine)
        if not mine and requirement.id in self.not_run:
            reason = self.not_run[requirement.id]
        elif not mine and self.stopped:
            # Its tests never ran because the run stopped: undecided, not skipped by choice.
            status, reason = "inconclusive", f"not decided: {self.aborted}"
        return RequirementResult(
            id=requirement.id,
            level=requirement.level,
            area=requirement.area,
            statement=requirement.statement,
            section=requirement.section,
            quote=requirement.quote,
            ambiguity=requirement.ambiguity,
            status=status,
            tests=len(mine),
            reason=reason,
            evidence=tuple(e for r in mine for e in r.evidence),
        )


def _worst(records: Sequence[TestRecord]) -> tuple[Status, str]:
    if not records:
        return "skip", "no test of this requirement ran in this run"
    for status in STATUS_PRECEDENCE:
        matching = [r for r in records if r.status == status]
        if matching:
            reasons = sorted({r.reason for r in matching if r.reason})
            return status, "; ".join(reasons)
    raise AssertionError("unreachable: every record has a status")
