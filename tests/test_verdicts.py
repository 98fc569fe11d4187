"""judge(): no answer is no evidence, a guard is no fault, and a pass says what it checked."""

from __future__ import annotations

import pytest

from layers_conformance.checks.violations import ConformanceFailure, Violation
from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.stops import StopKind
from layers_conformance.probing.client import (
    BudgetExceeded,
    DeadlineExceeded,
    TargetUnreachable,
    TargetUnresponsive,
)
from layers_conformance.probing.probe import NoAnswer, Use
from layers_conformance.verdicts import judge

MUST = Requirement("TRAV-NODUP-001", "area", "MUST", "statement", "Section", "quote", ())


def report(outcome: str) -> pytest.TestReport:
    return pytest.TestReport("t", ("t.py", 1, "t"), {}, outcome, None, "call")


def raised(error: BaseException) -> tuple[pytest.TestReport, pytest.ExceptionInfo[BaseException]]:
    try:
        raise error
    except BaseException as caught:
        return report("failed"), pytest.ExceptionInfo.from_exception(caught)


class TestNoAnswerIsNoEvidence:
    def test_an_unanswered_request_is_inconclusive_and_the_run_incomplete(self):
        reason = "no answer: GET http://x -> read timed out after 10 s"
        verdict = judge(MUST, *raised(NoAnswer(reason)), "t")
        assert (verdict.status, verdict.reason, verdict.incomplete) == (
            "inconclusive",
            reason,
            reason,
        )
        assert not verdict.stops_run
        assert verdict.stop is StopKind.NO_ANSWER

    def test_a_pass_on_a_walk_cut_by_no_answer_is_inconclusive(self):
        """Nothing wrong in what came, but part did not come: no pass, and no fail."""
        use = Use(gaps=["no answer to page 3: GET x -> read timed out"], unanswered=True)
        verdict = judge(MUST, report("passed"), None, "t", use)
        assert verdict.status == "inconclusive"
        assert "no answer to page 3" in verdict.reason
        assert verdict.incomplete
        assert verdict.stop is StopKind.NO_ANSWER

    def test_a_pass_on_a_walk_a_guard_stopped_is_inconclusive_not_incomplete(self):
        """The suite's own guard stopped a walk: inconclusive with its reason, the run goes on."""
        use = Use(gaps=["the suite stopped the walk after 3 empty pages in a row"])
        verdict = judge(MUST, report("passed"), None, "t", use)
        assert (verdict.status, verdict.incomplete, verdict.stop) == ("inconclusive", "", None)
        assert "3 empty pages in a row" in verdict.reason

    def test_evidence_still_fails_whatever_the_gaps(self):
        """A repeated influencer in what came back is a fail, even when a later page did not."""
        use = Use(gaps=["no answer to page 3"], unanswered=True)
        failure = ConformanceFailure([Violation("no_repeated_items", "inf_a appears twice")])
        verdict = judge(MUST, *raised(failure), "t", use)
        assert verdict.status == "fail"


class TestStopsAndCuts:
    @pytest.mark.parametrize(
        ("error", "ends_pytest"),
        [
            (TargetUnresponsive("target stopped answering after request 20"), False),
            (TargetUnreachable("cannot reach http://x: connection refused"), True),
        ],
    )
    def test_a_target_gone_stops_the_run(self, error, ends_pytest):
        """Nothing more is sent; only an unreachable target also ends pytest at once (an
        unresponsive one leaves the other tests to judge what already came)."""
        verdict = judge(MUST, *raised(error), "t")
        assert (verdict.status, verdict.stops_run, verdict.incomplete) == (
            "inconclusive",
            True,
            str(error),
        )
        assert verdict.ends_pytest is ends_pytest
        assert verdict.stop is error.kind
        assert verdict.record("main", 1).stop is error.kind  # what the tally and report get

    @pytest.mark.parametrize(
        ("error", "cut"),
        [
            (BudgetExceeded("spent"), StopKind.BUDGET),
            (DeadlineExceeded("passed"), StopKind.DEADLINE),
        ],
    )
    def test_a_limit_names_itself(self, error, cut):
        """Budget and deadline cuts say which, so the report can say what to raise. A spent
        budget leaves the run to what needs no new request; a passed deadline stops it."""
        verdict = judge(MUST, *raised(error), "t")
        assert (verdict.status, verdict.stop) == ("inconclusive", cut)
        assert verdict.stops_run is (cut == StopKind.DEADLINE)


def test_a_pass_says_what_it_checked():
    use = Use(checked="checked the first 945 of ≥ 20,100 influencers at limit 1")
    verdict = judge(MUST, report("passed"), None, "t", use)
    assert (verdict.status, verdict.reason) == ("pass", use.checked)


class TestStopKinds:
    """Why a run is incomplete travels as data, whatever the words (see core.stops)."""

    def test_an_answer_that_could_not_be_read(self):
        failure = ConformanceFailure([Violation("x", "unreadable", conclusive=False)])
        verdict = judge(MUST, *raised(failure), "t")
        assert (verdict.status, verdict.stop) == ("inconclusive", StopKind.UNREADABLE)

    def test_an_error_of_the_suite_s_own(self):
        verdict = judge(MUST, *raised(ZeroDivisionError("x")), "t")
        assert (verdict.status, verdict.stop) == ("inconclusive", StopKind.UNJUDGED)
        assert verdict.incomplete.startswith("the suite could not judge")

    def test_a_failure_or_a_pass_is_no_stop(self):
        failure = ConformanceFailure([Violation("x", "broken")])
        assert judge(MUST, *raised(failure), "t").stop is None
        assert judge(MUST, report("passed"), None, "t").stop is None
