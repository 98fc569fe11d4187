"""From a pytest report to a verdict on a requirement: pass, fail, warn, skip or inconclusive.

A failing SHOULD becomes a warning that never fails the run; a check the data could not
decide, or that ran out of budget, is inconclusive with its reason; never a silent pass.
No answer is no evidence: a request that got none, or a walk cut short by the suite's own
guards, turns a check that found nothing wrong into an inconclusive one, never a fail. A
pass says what it checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from layers_conformance.checks.violations import ConformanceFailure, Inconclusive
from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.results import Evidence, Status
from layers_conformance.probing.client import (
    BudgetExceeded,
    ClientError,
    DeadlineExceeded,
    TargetUnreachable,
    TargetUnresponsive,
)
from layers_conformance.probing.probe import NoAnswer, Use
from layers_conformance.run.tally import TestRecord

EVIDENCE_PER_TEST = 5
# The attribute of a pytest TestReport that carries a `TestRecord` (as plain data) from the
# process that ran the test to the one that tallies: see `TestRecord` for why.
RECORD_ATTRIBUTE = "layers_conformance_record"


@dataclass(frozen=True)
class TestVerdict:
    """One test's verdict, and what it changes in the report pytest prints and stores."""

    requirement: Requirement
    status: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    longrepr: str | None = None
    stops_run: bool = False
    # Why the run could not finish (budget, deadline, target gone): such a run never passes.
    incomplete: str = ""
    cut: str = ""  # "budget" or "deadline": the run's limit that cut this test short

    __test__ = False  # not a pytest test class, despite its name

    def record(self, worker: str, requests_sent: int, test: str = "", used: int = 0) -> TestRecord:
        """What the tally needs of this verdict, from the process that ran the test."""
        return TestRecord(
            self.requirement.id,
            self.status,
            self.reason,
            self.evidence,
            self.incomplete,
            worker,
            requests_sent,
            test,
            used,
            self.stops_run,
            self.cut,
        )

    def apply(self, report: pytest.TestReport) -> None:
        """Mark the report so the terminal, JUnit and the tally all tell the same story."""
        if self.status == "warn":
            # Reported like an expected failure: visible, in JUnit as skipped, never failing.
            report.outcome = "skipped"
            report.wasxfail = f"warn (SHOULD {self.requirement.id}): {self.reason}"
        elif self.status == "inconclusive":
            report.outcome = "skipped"
            report.longrepr = (
                str(report.location[0]),
                report.location[1] or 0,
                f"inconclusive: {self.reason}",
            )
        elif self.longrepr is not None:
            report.longrepr = self.longrepr


# Conditions that end the run at once; the others let it go on to what still fits.
STOPS_RUN = (TargetUnreachable, TargetUnresponsive)


def judge(
    requirement: Requirement,
    report: pytest.TestReport,
    excinfo: pytest.ExceptionInfo[BaseException] | None,
    nodeid: str,
    use: Use | None = None,
) -> TestVerdict:
    """The verdict on `requirement` from one test's report, exception and use of the probe."""
    use = use or Use()
    if report.passed:
        return _passed(requirement, use)
    error = _root_cause(excinfo.value) if excinfo is not None else None
    if report.skipped and not isinstance(error, Inconclusive):
        return TestVerdict(requirement, "skip", _skip_reason(report))
    if isinstance(error, NoAnswer):
        return TestVerdict(requirement, "inconclusive", str(error), incomplete=str(error))
    if isinstance(error, Inconclusive):
        return TestVerdict(requirement, "inconclusive", str(error))
    if isinstance(error, (BudgetExceeded, DeadlineExceeded, *STOPS_RUN)):
        # Not the requirement's fault, and not a pass: the run as a whole is incomplete.
        return _cut_short(requirement, error)
    if isinstance(error, ConformanceFailure):
        broken: Status = "fail" if requirement.level == "MUST" else "warn"
        return _failure(requirement, broken, error, nodeid)
    # Anything else is the suite's own error: a warning would hide it, so it fails whatever
    # the level, with pytest's traceback kept.
    reason = _one_line(error) if error is not None else "the test did not pass"
    return TestVerdict(requirement, "fail", reason, (Evidence(nodeid, reason),))


def _passed(requirement: Requirement, use: Use) -> TestVerdict:
    """A pass says what it checked; one that read walks cut short by no answer or by the
    suite's guards found nothing wrong in part of the data: inconclusive."""
    if not use.gaps:
        return TestVerdict(requirement, "pass", use.checked)
    reason = f"nothing wrong in what was read, but {'; '.join(use.gaps)}"
    return TestVerdict(
        requirement, "inconclusive", reason, incomplete=reason if use.unanswered else ""
    )


def _cut_short(requirement: Requirement, error: ClientError) -> TestVerdict:
    reason = str(error)
    stops = isinstance(error, STOPS_RUN)
    cut = {BudgetExceeded: "budget", DeadlineExceeded: "deadline"}.get(type(error), "")
    return TestVerdict(
        requirement, "inconclusive", reason, stops_run=stops, incomplete=reason, cut=cut
    )


def _failure(
    requirement: Requirement, status: Status, failure: ConformanceFailure, nodeid: str
) -> TestVerdict:
    evidence = tuple(
        Evidence(
            test=nodeid,
            message=violation.message,
            expected=requirement.statement,
            actual=violation.message,
            request=violation.exchange.describe() if violation.exchange else "",
            response_excerpt=violation.exchange.excerpt() if violation.exchange else "",
            curl=violation.exchange.curl() if violation.exchange else "",
        )
        for violation in failure.violations[:EVIDENCE_PER_TEST]
    )
    headline = f"{requirement.id} ({requirement.level}): {requirement.statement}"
    longrepr = f"{headline}\n  page: {requirement.section}: {requirement.quote}\n{failure}"
    return TestVerdict(requirement, status, failure.violations[0].message, evidence, longrepr)


def attach_record(report: pytest.TestReport, record: TestRecord) -> None:
    """Put the record on the report, where it survives the trip from an xdist worker."""
    setattr(report, RECORD_ATTRIBUTE, record.to_json())


def record_of(report: pytest.TestReport) -> TestRecord | None:
    """The record a conformance test's report carries, or None for any other report."""
    data = getattr(report, RECORD_ATTRIBUTE, None)
    return None if data is None else TestRecord.from_json(data)


def _root_cause(error: BaseException) -> BaseException:
    # Hypothesis reports several distinct failures as an exception group: take the first.
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    return str(longrepr[2]).removeprefix("Skipped: ") if isinstance(longrepr, tuple) else ""


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
