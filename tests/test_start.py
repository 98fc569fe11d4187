"""Starting a run: which fixtures a target lacks, and the budget shared among workers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.targets import Auth, Fixtures, Secret, Target
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.run.options import Options
from layers_conformance.run.start import missing_fixtures, run_plan, worker_budget, worker_rate

OPTIONS = Options("t", None, "standard", Path("reports"), 1)


def requirement(ident="LIST-X-001", level="MUST", fixtures=()):
    return Requirement(ident, "area", level, "statement", "Section", "quote", fixtures)


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
    @pytest.mark.parametrize(("workers", "budget", "share"), [(4, 1500, 375), (3, 10, 3)])
    def test_shares_the_budget_among_workers(self, workers, budget, share):
        """Each xdist worker gets an equal share, rounded down, so the sum stays within."""
        assert worker_budget(budget, workers) == share

    def test_a_single_process_keeps_the_whole_budget(self):
        """Without xdist the run's budget is the process's."""
        assert worker_budget(60, 1) == 60

    def test_never_below_one_request(self):
        """More workers than requests still leaves each worker one."""
        assert worker_budget(3, 8) == 1

    def test_shares_the_rate_among_workers(self):
        assert worker_rate(50.0, 2) == 25.0
        assert worker_rate(None, 2) is None


class TestRunPlan:
    def test_the_environment_s_worker_count_shares_nothing(self, monkeypatch):
        """A run started inside another pytest-xdist job inherits PYTEST_XDIST_WORKER_COUNT
        but runs alone: only its options' `workers` (xdist's own workerinput) share it out."""
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
        assert run_plan(OPTIONS, target()).budget == PROFILES["standard"].budget

    def test_its_xdist_workers_share_the_budget(self):
        plan = run_plan(replace(OPTIONS, workers=4), target())
        assert plan.budget == PROFILES["standard"].budget // 4
