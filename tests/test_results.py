"""A run's verdict from its requirements, waivers and whether it finished: pass, fail or
incomplete (`core.results.RunResult.verdict`)."""

from __future__ import annotations

from datetime import date

import pytest

from layers_conformance.core.results import RequirementResult, RunResult, Waiver, WaiverOutcome
from layers_conformance.core.stops import StopKind

ABORTED = "the run could not finish: the deadline of 5 s passed"


def result(ident, status, level="MUST"):
    return RequirementResult(ident, level, "area", "s", "sec", "q", "", status, 1)


def run_of(*requirements, aborted="", stop=None, waivers=()):
    return RunResult("0.1.0", "ab" * 32, "t", "u", "standard", 1, "now", 1.0, 10,
                     requirements, aborted, stop, waivers=waivers)  # fmt: skip


def expired(requirement="A"):
    return (WaiverOutcome(Waiver(requirement, "known", date(2020, 1, 1)), "expired"),)


class TestRunVerdict:
    def test_a_finished_run_with_nothing_failing_passes(self):
        """Warnings, skips and inconclusive requirements do not stop a finished run passing."""
        statuses = ("pass", "warn", "skip", "inconclusive", "waived", "flaky")
        run = run_of(*(result(f"R{n}", s) for n, s in enumerate(statuses)))
        assert run.verdict == "pass"

    def test_a_failed_requirement_fails_it(self):
        assert run_of(result("A", "pass"), result("B", "fail")).verdict == "fail"

    def test_an_expired_waiver_fails_it_even_when_its_requirement_holds(self):
        assert run_of(result("A", "pass"), waivers=expired()).verdict == "fail"

    @pytest.mark.parametrize("stop", [StopKind.DEADLINE, StopKind.BUDGET, StopKind.RATE_LIMITED])
    def test_a_run_that_could_not_finish_is_incomplete_not_failed(self, stop):
        """No answer is no evidence: the suite's own limits and a gateway's refusals leave
        the run incomplete; its verdict never says the server failed."""
        run = run_of(result("A", "pass"), result("B", "inconclusive"), aborted=ABORTED, stop=stop)
        assert run.verdict == "incomplete"

    def test_a_failure_outranks_a_run_that_could_not_finish(self):
        """A requirement the server broke fails the run, finished or not."""
        run = run_of(result("A", "fail"), aborted=ABORTED, stop=StopKind.DEADLINE)
        assert run.verdict == "fail"

    def test_an_expired_waiver_outranks_a_run_that_could_not_finish(self):
        run = run_of(result("A", "pass"), aborted=ABORTED, waivers=expired())
        assert run.verdict == "fail"
