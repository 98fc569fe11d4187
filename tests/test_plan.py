"""plan_run(): every walk's share of the budget, fixed before the first request."""

from __future__ import annotations

import pytest

from layers_conformance.checks.params import STATUSES
from layers_conformance.probing.plan import STEPS_PER_SEQUENCE, plan_run
from layers_conformance.probing.profiles import PROFILES


def spent_at_most(plan):
    """The most requests the plan lets the walks and the generated cases send."""
    return sum(walk.pages for walk in plan.walks) + plan.generated


class TestShares:
    @pytest.mark.parametrize("name", list(PROFILES))
    def test_the_shares_and_the_reserve_fit_the_budget(self, name):
        """Walks, generated cases and the reserve for one-request checks add up to at most
        the budget, so a walk that runs first can never starve a check that runs later."""
        plan = plan_run(PROFILES[name], PROFILES[name].budget)
        assert spent_at_most(plan) + plan.reserve <= plan.budget

    @pytest.mark.parametrize("name", list(PROFILES))
    def test_every_walk_a_suite_asks_for_is_planned(self, name):
        """Every page size, the default, and each status filter have a walk."""
        profile = PROFILES[name]
        plan = plan_run(profile, profile.budget)
        for size in (*profile.page_sizes, None):
            assert plan.walk(size, None).pages >= 1
        for status in STATUSES:
            assert plan.walk(profile.filter_page_size, status).pages >= 1

    def test_an_unplanned_walk_is_a_suite_error_naming_the_plan(self):
        """A walk outside the plan is refused with a message saying where walks are listed."""
        plan = plan_run(PROFILES["standard"], 2000)
        with pytest.raises(KeyError, match=r"no walk at limit=3 status=None .*probing/plan.py"):
            plan.walk(3, None)

    def test_standard_walks_a_hundred_thousand_to_the_end(self):
        """The standard profile's walk to the end reaches past 100,000 influencers at 100."""
        end = plan_run(PROFILES["standard"], 2000).end
        assert end is not None
        assert (end.limit, end.status, end.max_items) == (100, None, None)
        assert end.reach > 100_000

    def test_thorough_walks_a_million_to_the_end(self):
        """The thorough profile's walk to the end reaches past 1,000,000 influencers."""
        end = plan_run(PROFILES["thorough"], 20_000).end
        assert end is not None
        assert end.reach > 1_000_000

    def test_smoke_walks_are_short_prefixes(self):
        """Smoke reads at most 100 influencers a walk, except its short walk to the end."""
        plan = plan_run(PROFILES["smoke"], 60)
        assert all(w.reach <= 100 for w in plan.walks if not w.to_the_end)
        assert plan.end is not None
        assert plan.end.pages <= 10

    def test_the_other_walks_share_alike(self):
        """Every walk but the one to the end gets the same number of pages."""
        plan = plan_run(PROFILES["thorough"], 20_000)
        assert len({w.pages for w in plan.walks if not w.to_the_end}) == 1


class TestSmallBudgets:
    def test_the_reserve_comes_first(self):
        """A budget smaller than the reserve goes to one-request checks; walks get a page."""
        plan = plan_run(PROFILES["standard"], 30)
        assert plan.reserve == 30
        assert all(walk.pages == 1 for walk in plan.walks)

    def test_generated_cases_shrink_with_the_budget(self):
        """Generated cases take at most a quarter of what the reserve leaves, at least one."""
        budget = PROFILES["standard"].reserve + 100
        plan = plan_run(PROFILES["standard"], budget)
        assert plan.profile.examples < PROFILES["standard"].examples
        assert plan.generated <= (budget - plan.reserve) / 4 + STEPS_PER_SEQUENCE
        assert plan.profile.examples >= 1

    def test_a_large_budget_changes_no_generated_count(self):
        """With room to spare, the profile's numbers of examples and sequences stand."""
        plan = plan_run(PROFILES["thorough"], 20_000)
        assert plan.profile.examples == PROFILES["thorough"].examples
        assert plan.profile.stateful_runs == PROFILES["thorough"].stateful_runs


class TestPacing:
    def test_a_paced_run_plans_for_what_its_deadline_allows(self):
        """At 1 request/s with 120 s, the plan is for fewer than 120 requests, so the walks
        stay prefixes instead of racing the deadline."""
        plan = plan_run(PROFILES["standard"], 2000, rate_limit_rps=1, deadline_s=120)
        assert plan.budget < 120
        assert sum(walk.pages for walk in plan.walks) < 20

    def test_a_fast_rate_leaves_the_budget_alone(self):
        plan = plan_run(PROFILES["standard"], 2000, rate_limit_rps=50, deadline_s=600)
        assert plan.budget == 2000


class TestAdvice:
    def test_more_budget_walks_as_much_further_as_it_says(self):
        """The walk to the end goes about as much further per 1,000 requests as advised."""
        plan = plan_run(PROFILES["standard"], 2000)
        bigger = plan_run(PROFILES["standard"], 3000)
        assert plan.end is not None
        assert bigger.end is not None
        said = plan.further()
        assert said.startswith("each 1,000 requests more of request_budget")
        assert f"about {bigger.end.reach - plan.end.reach:,} influencers further" in said
        assert "--profile thorough walks lists of up to 1,0" in said

    def test_thorough_does_not_advise_itself(self):
        assert "--profile" not in plan_run(PROFILES["thorough"], 20_000).further()

    def test_lines_name_every_walk(self):
        plan = plan_run(PROFILES["standard"], 2000)
        lines = plan.lines()
        assert lines[0].startswith("plan for 2,000 requests")
        assert len(lines) == 1 + len(plan.walks)
        assert "limit 100: to the end" in lines[1]
