"""The run outside pytest: verdicts folded per requirement, fixtures and budget per target."""

from __future__ import annotations

import pytest

from layers_conformance.catalogue import Requirement
from layers_conformance.results import Evidence
from layers_conformance.runner import Tally, missing_fixtures, worker_budget
from layers_conformance.runner import TestOutcome as Outcome  # "Test*" would be collected
from layers_conformance.targets import Auth, Fixtures, Secret, Target


def requirement(ident="LIST-X-001", level="MUST", fixtures=()):
    return Requirement(ident, "area", level, "statement", "Section", "quote", fixtures)


def folded(*outcomes, catalogue=None):
    catalogue = catalogue or {"LIST-X-001": requirement()}
    return Tally(list(outcomes)).fold(catalogue)


def target(**fixtures):
    chosen = {
        "project_id": "p1",
        "empty_project_id": None,
        "foreign_project_id": None,
        "archived_influencer_ids": None,
    } | {k: v for k, v in fixtures.items() if k != "key_without_scope"}
    return Target(
        name="t",
        base_url="https://api.test",
        auth=Auth("x-api-key", Secret("k"), fixtures.get("key_without_scope")),
        fixtures=Fixtures(**chosen),
        rate_limit_rps=None,
        request_budget=None,
        timeout_s=None,
    )


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
            (("warn", "flaky"), "flaky"),
        ],
    )
    def test_the_worst_outcome_wins(self, statuses, worst):
        """fail > flaky > warn > inconclusive > pass > skip, whatever the order the tests ran
        in (a flaky MUST failed once: it outranks a SHOULD's warning)."""
        outcomes = [Outcome("LIST-X-001", status) for status in statuses]
        [result] = folded(*outcomes)
        [reversed_result] = folded(*reversed(outcomes))
        assert (result.status, reversed_result.status) == (worst, worst)
        assert result.tests == len(statuses)

    def test_no_outcome_is_a_skip_with_a_reason(self):
        """A requirement no test reported on is never a pass."""
        [result] = folded(Outcome("OTHER-X-001", "pass"))
        assert (result.status, result.tests) == ("skip", 0)
        assert result.reason == "no test of this requirement ran in this run"

    def test_reasons_come_from_the_winning_status_only(self):
        """The reason joins the distinct reasons of the outcomes that decided the status."""
        [result] = folded(
            Outcome("LIST-X-001", "fail", "b broke"),
            Outcome("LIST-X-001", "fail", "a broke"),
            Outcome("LIST-X-001", "fail", "a broke"),
            Outcome("LIST-X-001", "inconclusive", "too few items"),
        )
        assert (result.status, result.reason) == ("fail", "a broke; b broke")

    def test_one_result_per_requirement_in_catalogue_order(self):
        """Every catalogue entry gets a result, carrying its own text and its tests' evidence."""
        proof = Evidence("suites/test_x.py::test_x", "it broke")
        catalogue = {
            "B-X-001": requirement("B-X-001", "SHOULD"),
            "A-X-001": requirement("A-X-001"),
        }
        results = folded(Outcome("A-X-001", "fail", "it broke", (proof,)), catalogue=catalogue)
        assert [(r.id, r.level, r.status) for r in results] == [
            ("B-X-001", "SHOULD", "skip"),
            ("A-X-001", "MUST", "fail"),
        ]
        assert results[1].evidence == (proof,)
        assert (results[1].statement, results[1].quote) == ("statement", "quote")


class TestMissingFixtures:
    def test_names_what_the_target_lacks(self):
        """Fixtures the requirement needs and the target leaves out are named, in order."""
        needs = requirement(fixtures=("key_without_scope", "project_id", "empty_project_id"))
        assert missing_fixtures(needs, target()) == ["key_without_scope", "empty_project_id"]

    def test_nothing_missing_when_all_are_provided(self):
        """A target that provides every fixture misses none."""
        needs = requirement(
            fixtures=(
                "project_id",
                "empty_project_id",
                "foreign_project_id",
                "key_without_scope",
                "archived_influencer_ids",
            )
        )
        full = target(
            empty_project_id="p0",
            foreign_project_id="p2",
            key_without_scope=Secret("k2"),
            archived_influencer_ids=("inf_old",),
        )
        assert missing_fixtures(needs, full) == []

    def test_an_empty_archived_list_is_provided(self):
        """An empty list of archived ids is given (nothing archived), unlike no list at all."""
        needs = requirement(fixtures=("archived_influencer_ids",))
        assert missing_fixtures(needs, target(archived_influencer_ids=())) == []
        assert missing_fixtures(needs, target()) == ["archived_influencer_ids"]


class TestWorkerBudget:
    @pytest.mark.parametrize(("workers", "budget", "share"), [("4", 1500, 375), ("3", 10, 3)])
    def test_shares_the_budget_among_workers(self, monkeypatch, workers, budget, share):
        """Each xdist worker gets an equal share, rounded down, so the sum stays within."""
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
        assert worker_budget(budget) == share

    def test_a_single_process_keeps_the_whole_budget(self, monkeypatch):
        """Without xdist the run's budget is the process's."""
        monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
        assert worker_budget(60) == 60

    def test_never_below_one_request(self, monkeypatch):
        """More workers than requests still leaves each worker one."""
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "8")
        assert worker_budget(3) == 1
