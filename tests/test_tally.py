"""The tally: test records folded into one verdict per requirement, never a silent pass."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.results import Evidence, PairCoverage
from layers_conformance.core.stops import StopKind
from layers_conformance.run.tally import Tally
from layers_conformance.run.tally import TestRecord as Record  # "Test*" would be collected


def requirement(ident="LIST-X-001", level="MUST", fixtures=()):
    return Requirement(ident, "area", level, "statement", "Section", "quote", fixtures)


def folded(*outcomes, catalogue=None):
    catalogue = catalogue or {"LIST-X-001": requirement()}
    return Tally(list(outcomes)).fold(catalogue)


class TestTallyFold:
    @pytest.mark.parametrize(
        ("statuses", "worst"),
        [
            (("pass", "fail"), "fail"),
            (("warn", "fail", "inconclusive"), "fail"),
            (("pass", "warn", "inconclusive"), "warn"),
            (("pass", "inconclusive", "skip"), "inconclusive"),
            (("skip", "pass"), "pass"),
            (("skip", "skip"), "skip"),
            (("pass",), "pass"),
            (("pass", "flaky"), "flaky"),
            (("flaky", "fail"), "fail"),
            (("warn", "flaky"), "flaky"),  # a flaky MUST failed once: above a SHOULD's warning
            (("waived", "pass"), "waived"),
        ],
    )
    def test_the_worst_outcome_wins(self, statuses, worst):
        """fail > warn > inconclusive > pass > skip, whatever the order the tests ran in."""
        records = [Record("LIST-X-001", status) for status in statuses]
        [result] = folded(*records)
        [reversed_result] = folded(*reversed(records))
        assert (result.status, reversed_result.status) == (worst, worst)
        assert result.tests == len(statuses)

    def test_no_outcome_is_a_skip_with_a_reason(self):
        """A requirement no test reported on is never a pass."""
        [result] = folded(Record("OTHER-X-001", "pass"))
        assert (result.status, result.tests) == ("skip", 0)
        assert result.reason == "no test of this requirement ran in this run"

    def test_a_stopped_run_leaves_the_rest_undecided_not_skipped(self):
        """When the run stopped (rate limited, deadline, target gone), a requirement whose
        tests never ran is inconclusive and says why, unless it was left out on purpose."""
        catalogue = {"LIST-X-001": requirement(), "LIST-Y-001": requirement("LIST-Y-001")}
        stop = Record("OTHER-X-001", "inconclusive", "x", incomplete="rate limited", stops_run=True)
        tally = Tally()
        tally.add(stop)
        tally.not_run["LIST-Y-001"] = "not part of the smoke profile"
        undecided, left_out = tally.fold(catalogue)
        assert (undecided.status, left_out.status) == ("inconclusive", "skip")
        assert undecided.reason == "not decided: the run could not finish: rate limited"

    def test_a_refusal_names_the_abort_even_after_an_unread_answer(self):
        """`aborted` says what cut the run short (a replay repeats it), not merely the first
        answer that could not be read."""
        tally = Tally()
        tally.add(
            Record("X-001", "inconclusive", "cut", incomplete="unread", stop=StopKind.UNREADABLE)
        )
        tally.add(Record("Y-001", "inconclusive", "b", incomplete="budget", stop=StopKind.BUDGET))
        tally.add(Record("Z-001", "inconclusive", "d", incomplete="time", stop=StopKind.DEADLINE))
        assert tally.aborted == "the run could not finish: budget"
        assert tally.stop is StopKind.BUDGET

    def test_reasons_come_from_the_winning_status_only(self):
        """The reason joins the distinct reasons of the records that decided the status."""
        [result] = folded(
            Record("LIST-X-001", "fail", "b broke"),
            Record("LIST-X-001", "fail", "a broke"),
            Record("LIST-X-001", "fail", "a broke"),
            Record("LIST-X-001", "inconclusive", "too few items"),
        )
        assert (result.status, result.reason) == ("fail", "a broke; b broke")

    def test_one_result_per_requirement_in_catalogue_order(self):
        """Every catalogue entry gets a result, carrying its own text and its tests' evidence."""
        proof = Evidence("suites/test_x.py::test_x", "it broke")
        catalogue = {
            "B-X-001": requirement("B-X-001", "SHOULD"),
            "A-X-001": requirement("A-X-001"),
        }
        results = folded(Record("A-X-001", "fail", "it broke", (proof,)), catalogue=catalogue)
        assert [(r.id, r.level, r.status) for r in results] == [
            ("B-X-001", "SHOULD", "skip"),
            ("A-X-001", "MUST", "fail"),
        ]
        assert results[1].evidence == (proof,)
        assert (results[1].statement, results[1].quote) == ("statement", "quote")


class TestRecordTrip:
    def test_a_record_survives_the_trip_as_plain_data(self):
        """What a worker puts on a report is JSON, and reads back as the same record."""
        coverage = (PairCoverage(("project", "limit"), 4, (("main", "1"),), (("main", "1"),)),)
        record = Record(
            "LIST-X-001", "fail", "why", (Evidence("t", "m", curl="curl x"),), "", "gw1", 7,
            coverage, stop=StopKind.RATE_LIMITED,
        )  # fmt: skip
        assert Record.from_json(json.loads(json.dumps(record.to_json()))) == record


class TestStoppedRuns:
    def test_what_did_not_run_after_a_stop_is_inconclusive(self):
        """The target stopped answering: requirements no test reached are inconclusive with
        the reason, not skip and never pass."""
        catalogue = {"A-X-001": requirement("A-X-001"), "B-X-001": requirement("B-X-001")}
        why = "target stopped answering after request 20"
        gone = Record("A-X-001", "inconclusive", why, incomplete=why, stops_run=True)
        tally = Tally([])
        tally.add(replace(gone, stop=StopKind.UNRESPONSIVE))
        results = tally.fold(catalogue)
        assert [(r.id, r.status) for r in results] == [
            ("A-X-001", "inconclusive"),
            ("B-X-001", "inconclusive"),
        ]
        assert results[1].reason == f"not decided: the run could not finish: {why}"
        assert tally.aborted == f"the run could not finish: {why}"

    def test_the_stop_outranks_an_earlier_unanswered_request(self):
        """`aborted` says why the run stopped, though an unanswered request came first."""
        tally = Tally([])
        tally.add(Record("A-X-001", "inconclusive", "no answer: GET x", incomplete="no answer"))
        gone = Record("A-X-001", "inconclusive", "gone", incomplete="gone", stops_run=True)
        tally.add(replace(gone, stop=StopKind.UNREACHABLE))
        assert tally.aborted == "the run could not finish: gone"
        assert tally.stop is StopKind.UNREACHABLE

    def test_a_profile_that_leaves_a_requirement_out_still_skips_it(self):
        """A requirement left out on purpose stays a skip with that reason, stop or not."""
        tally = Tally([], not_run={"A-X-001": "not part of the smoke profile"}, stopped=True)
        [result] = tally.fold({"A-X-001": requirement("A-X-001")})
        assert (result.status, result.reason) == ("skip", "not part of the smoke profile")


class TestSpending:
    def test_tests_by_requests_most_first(self):
        """Where the budget went: every test with what it used, the biggest spender first."""
        tally = Tally(
            [
                Record("A-X-001", "pass", test="t_small", requests_used=2),
                Record("B-X-001", "pass", test="t_walks", requests_used=900),
            ]
        )
        assert [(s.test, s.requirement, s.requests) for s in tally.spending()] == [
            ("t_walks", "B-X-001", 900),
            ("t_small", "A-X-001", 2),
        ]

    def test_the_limits_that_cut_tests_short(self):
        tally = Tally([
            Record("A-X-001", "inconclusive", stop=StopKind.BUDGET),
            Record("B-X-001", "inconclusive", stop=StopKind.UNRESPONSIVE),
            Record("A-X-001", "pass"),
        ])  # fmt: skip
        assert tally.cut_by == {StopKind.BUDGET}


class TestCoverage:
    def test_the_pairs_every_test_sent_are_merged_per_two_dimensions(self):
        """Two tests (maybe on two workers) that sent different pairs: the run sent both."""
        allowed = (("main", "1"), ("empty", "1"), ("main", "100"))

        def sent(*pairs):
            part = PairCoverage(("project", "limit"), 10, allowed, pairs)
            return Record("LIST-X-001", "pass", coverage=(part,))

        tally = Tally(
            [sent(("main", "1")), sent(("empty", "1"), ("main", "1")), Record("X", "pass")]
        )
        [merged] = tally.coverage
        assert merged.dimensions == ("project", "limit")
        assert set(merged.exercised) == {("main", "1"), ("empty", "1")}
        assert merged.missed == (("main", "100"),)
