"""From a pytest report to a verdict on a requirement: pass, fail, warn, skip or inconclusive
(and waived or flaky, once the gate's waivers and rechecks have had their say).

A failing SHOULD becomes a warning that never fails the run; a check the data could not
decide, that could not read the answers it needed, or that ran out of budget or time, is
inconclusive with its reason; never a silent pass. No answer is no evidence: a request that
got none, or a walk cut short by the suite's own guards, turns a check that found nothing
wrong into an inconclusive one, never a fail. A pass says what it checked. Whatever else
goes wrong inside a test is the suite failing to judge: inconclusive too (the run is then
incomplete, which never passes), said in one line with where it happened, never a traceback
that blames the requirement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from layers_conformance.checks.violations import ConformanceFailure, Inconclusive
from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.results import (
    Change,
    Evidence,
    PairCoverage,
    Status,
    Traffic,
    Waiver,
)
from layers_conformance.core.stops import StopKind
from layers_conformance.probing.client import ClientError
from layers_conformance.probing.probe import NoAnswer, Use
from layers_conformance.run.tally import TestRecord

if TYPE_CHECKING:
    from layers_conformance.run.recheck import Recheck

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
    stops_run: bool = False  # nothing more is sent (see ClientError)
    ends_pytest: bool = False  # ... and no further test runs
    # Why the run could not finish (budget, deadline, target gone, an unread answer): such a
    # run never passes; `stop` says it as data.
    incomplete: str = ""
    stop: StopKind | None = None
    waiver: Waiver | None = None  # the waiver that made a failure `waived`

    __test__ = False  # not a pytest test class, despite its name

    def under(self, waiver: Waiver | None) -> TestVerdict:
        """This verdict under a waiver that covers it (`waived`), or unchanged for None."""
        return self if waiver is None else replace(self, status="waived", waiver=waiver)

    def record(
        self,
        worker: str,
        requests_sent: int,
        coverage: tuple[PairCoverage, ...] = (),
        test: str = "",
        used: int = 0,
        traffic: Traffic | None = None,
        changes: tuple[Change, ...] = (),
    ) -> TestRecord:
        """What the tally needs of this verdict, from the process that ran the test."""
        return TestRecord(
            self.requirement.id,
            self.status,
            self.reason,
            self.evidence,
            self.incomplete,
            worker,
            requests_sent,
            coverage,
            test=test,
            requests_used=used,
            stops_run=self.stops_run,
            stop=self.stop,
            traffic=traffic,
            changes=changes,
        )

    def apply(self, report: pytest.TestReport) -> None:
        """Mark the report so the terminal, JUnit and the tally all tell the same story."""
        if self.waiver is not None:
            # Skipped, not failed: a waived deviation must not turn a CI check red.
            report.outcome = "skipped"
            explained = f"{self.waiver.describe()}\n{self.longrepr or self.reason}"
            report.longrepr = (str(report.location[0]), report.location[1] or 0, explained)
        elif self.status == "warn":
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
        why = str(error)
        return TestVerdict(
            requirement, "inconclusive", why, incomplete=why, stop=StopKind.NO_ANSWER
        )
    if isinstance(error, Inconclusive):
        return TestVerdict(requirement, "inconclusive", str(error))
    if isinstance(error, ClientError):
        # Not the requirement's fault, and not a pass: the run as a whole is incomplete.
        return _cut_short(requirement, error)
    if isinstance(error, ConformanceFailure) and not error.conclusive:
        # Every violation only says an answer could not be read: no evidence either way.
        reason = error.violations[0].message
        incomplete = f"an answer could not be read: {reason}"
        return TestVerdict(
            requirement, "inconclusive", reason, incomplete=incomplete, stop=StopKind.UNREADABLE
        )
    if isinstance(error, ConformanceFailure):
        broken: Status = "fail" if requirement.level == "MUST" else "warn"
        return _failure(requirement, broken, error, nodeid)
    if error is None:
        return TestVerdict(requirement, "fail", "the test did not pass", (Evidence(nodeid, ""),))
    # The suite could not judge what it got (a bug in a check, most likely): a warning would
    # hide it and a failure would blame the server, so the run is incomplete instead; one
    # line says what and where, for whoever fixes the suite.
    reason = f"the suite could not judge this: {_one_line(error)} ({_where(error)})"
    return TestVerdict(
        requirement, "inconclusive", reason, incomplete=reason, stop=StopKind.UNJUDGED
    )


def rechecks(requirement: Requirement, error: BaseException) -> bool:
    """Whether a failure earns a second look: a MUST the server broke (a warning does not
    fail the run, and the suite's own error would only repeat itself)."""
    failure = _root_cause(error)
    return (
        requirement.level == "MUST"
        and isinstance(failure, ConformanceFailure)
        and failure.conclusive
    )


def after_recheck(
    verdict: TestVerdict, first: BaseException, looked: Recheck, nodeid: str
) -> TestVerdict:
    """The verdict on a failure that was looked at again: flaky if the second look held."""
    pause = f"a recheck after {looked.pause_s:g} s"
    failure = _root_cause(first)
    if not looked.held or not isinstance(failure, ConformanceFailure):
        return replace(verdict, reason=f"{verdict.reason} (failed again on {pause})")
    failed = _failure(verdict.requirement, "flaky", failure, nodeid)
    evidence = tuple(replace(e, message=f"first look: {e.message}") for e in failed.evidence)
    held = tuple(
        _exchange_evidence(nodeid, f"recheck after {looked.pause_s:g} s: held", exchange)
        for exchange in _asked_again(failure, looked.exchanges)
    )
    reason = f"failed, then held on {pause}: {failed.reason}"
    return TestVerdict(verdict.requirement, "flaky", reason, evidence + held)


def _asked_again(failure: ConformanceFailure, exchanges: Sequence[Exchange]) -> list[Exchange]:
    # The recheck's answers to the requests that showed the failure, so the two looks sit
    # side by side; when none matches (a cursor differs), the recheck's first answers.
    failing = {v.exchange.url for v in failure.violations if v.exchange is not None}
    again = [exchange for exchange in exchanges if exchange.url in failing]
    return (again or list(exchanges))[:EVIDENCE_PER_TEST]


def _exchange_evidence(nodeid: str, message: str, exchange: Exchange) -> Evidence:
    return Evidence(
        test=nodeid,
        message=message,
        actual=f"HTTP {exchange.status}" if exchange.status is not None else exchange.describe(),
        request=exchange.describe(),
        response_excerpt=exchange.excerpt(),
        curl=exchange.curl(),
    )


def _passed(requirement: Requirement, use: Use) -> TestVerdict:
    """A pass says what it checked; one that read walks cut short by no answer or by the
    suite's guards found nothing wrong in part of the data: inconclusive."""
    if not use.gaps:
        return TestVerdict(requirement, "pass", use.checked)
    reason = f"nothing wrong in what was read, but {'; '.join(use.gaps)}"
    if not use.unanswered:  # only the suite's own guards: nothing the run could not do
        return TestVerdict(requirement, "inconclusive", reason)
    return TestVerdict(
        requirement, "inconclusive", reason, incomplete=reason, stop=StopKind.NO_ANSWER
    )


def _cut_short(requirement: Requirement, error: ClientError) -> TestVerdict:
    reason = str(error)
    return TestVerdict(
        requirement,
        "inconclusive",
        reason,
        stops_run=error.stops_run,
        ends_pytest=error.ends_pytest,
        incomplete=reason,
        stop=error.kind,
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
            divergence=violation.divergence,
            field_diff=violation.field_diff,
        )
        for violation in failure.violations[:EVIDENCE_PER_TEST]
    )
    longrepr = f"{headline(requirement)}\n{failure}"
    return TestVerdict(requirement, status, failure.violations[0].message, evidence, longrepr)


def headline(requirement: Requirement) -> str:
    """What a failure says first (JUnit's message, too): the requirement and the page's words."""
    return (
        f"{requirement.id} ({requirement.level}): {requirement.statement}\n"
        f"  page: {requirement.section}: {requirement.quote}"
    )


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


def _where(error: BaseException) -> str:
    """The innermost file and line of the error, for whoever fixes the suite."""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return "unknown place"
    return f"{Path(traceback.tb_frame.f_code.co_filename).name}:{traceback.tb_lineno}"


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
