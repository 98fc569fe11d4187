"""The request plan of a run: which walks it makes, and the share of the budget each may use.

Computed once, before the first request, from the profile, the run's request budget and, for
a paced run, how many requests its deadline leaves room for. Every share is fixed, so the
order tests run in changes nothing: a walk that runs first cannot starve a one-request check
that runs later, and the same plan sends the same requests at any concurrency::

    budget ── reserve      one-request checks (error codes, limits, statuses, cursors),
           │               each walk's tail, the closing walk
           ├─ generated    Hypothesis queries and paging sequences
           └─ walks ── end     the largest page size, unfiltered, on to `nextCursor: null`
                    └─ others  every other page size, the default, each status filter

A walk that has used its share stops as a prefix: the checks compare what it holds, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from layers_conformance.checks.params import DEFAULT_LIMIT, STATUSES
from layers_conformance.probing.profiles import PROFILES, Profile

STEPS_PER_SEQUENCE = 10  # steps of one generated paging sequence (suites/test_generated.py)
# Requests per Hypothesis example the profile names: the plain points, and as many again
# shared by the partitions of defects (an eighth each of eight: suites/test_query_space.py).
REQUESTS_PER_EXAMPLE = 2
GENERATED_SHARE = 0.25  # at most this much of what the reserve leaves goes to generated cases
PACED_SHARE = 0.8  # of rate x deadline: the rest of the deadline is start-up and judging

WalkKey = tuple[int | None, str | None]


@dataclass(frozen=True)
class WalkPlan:
    """One walk: its page size and filter, and how far it may go."""

    limit: int | None  # None: the server's default page size
    status: str | None
    pages: int  # its share of the budget: it stops, as a prefix, after this many pages
    max_items: int | None = None  # ... or once it holds this many influencers
    to_the_end: bool = False  # the walk whose last page the end-of-list checks read

    @property
    def key(self) -> WalkKey:
        return (self.limit, self.status)

    @property
    def reach(self) -> int:
        """The most influencers this walk can list before its share is spent."""
        reach = self.pages * (self.limit or DEFAULT_LIMIT)
        return reach if self.max_items is None else min(reach, self.max_items)

    def describe(self) -> str:
        where = f"limit {self.limit}" if self.limit else "the default page size"
        where += f", status {self.status}" if self.status else ""
        goal = "to the end" if self.to_the_end else "a prefix"
        return f"{where}: {goal}, up to {self.pages:,} pages ({self.reach:,} influencers)"


@dataclass(frozen=True)
class Plan:
    """Every walk of a run with its share, and what is kept for everything else."""

    profile: Profile  # as planned: generated cases scaled to the budget
    budget: int  # the requests the run may send
    reserve: int  # kept for one-request checks
    generated: int  # kept for generated queries and paging sequences
    walks: tuple[WalkPlan, ...]

    def walk(self, limit: int | None, status: str | None) -> WalkPlan:
        """The planned walk at this page size and filter."""
        for planned in self.walks:
            if planned.key == (limit, status):
                return planned
        raise KeyError(
            f"no walk at limit={limit} status={status} in the {self.profile.name} plan "
            "(probing/plan.py lists the walks a run makes)"
        )

    @property
    def end(self) -> WalkPlan | None:
        """The walk that goes on to the end of the list, if the profile has one."""
        return next((w for w in self.walks if w.to_the_end), None)

    def further(self) -> str:
        """How to let the walk to the end go further, for a reason that says it stopped."""
        end = self.end
        if end is None:
            return "--profile standard or thorough walks to the end"
        per_thousand = int(1000 * self.profile.end_share) * (end.limit or DEFAULT_LIMIT)
        advice = (
            f"each 1,000 requests more of request_budget (the targets entry) walk about "
            f"{per_thousand:,} influencers further"
        )
        thorough = PROFILES["thorough"]
        if self.profile.name != thorough.name:
            reach = plan_run(thorough, thorough.budget).end
            advice += f"; --profile thorough walks lists of up to {reach.reach if reach else 0:,}"
        return advice

    def lines(self) -> list[str]:
        """The plan as a person reads it, one line per part."""
        head = (
            f"plan for {self.budget:,} requests: {self.reserve:,} kept for one-request checks, "
            f"{self.generated:,} for generated cases, the rest for {len(self.walks)} walks"
        )
        return [head] + [f"  walk at {w.describe()}" for w in self.walks]


def plan_run(
    profile: Profile,
    budget: int,
    *,
    rate_limit_rps: float | None = None,
    deadline_s: float | None = None,
) -> Plan:
    """The plan of a run of `profile` that may send `budget` requests."""
    usable = _usable(budget, rate_limit_rps, deadline_s)
    reserve = min(profile.reserve, usable)
    planned = _generated(profile, usable - reserve)
    generated = _generated_requests(planned.examples, _sequences(planned))
    walks = _walks(profile, max(usable - reserve - generated, 0))
    return Plan(planned, usable, reserve, generated, walks)


def _usable(budget: int, rate_limit_rps: float | None, deadline_s: float | None) -> int:
    """The budget, or what a paced run can send before its deadline if that is fewer."""
    if rate_limit_rps is None or deadline_s is None:
        return budget
    return max(1, min(budget, int(rate_limit_rps * deadline_s * PACED_SHARE)))


def _generated(profile: Profile, left: int) -> Profile:
    """The profile with as many generated cases as a quarter of `left` pays for."""
    wanted = _generated_requests(profile.examples, profile.stateful_runs)
    if wanted == 0:
        return profile
    scale = min(1.0, left * GENERATED_SHARE / wanted)
    return replace(
        profile,
        examples=max(1, int(profile.examples * scale)),
        stateful_runs=max(1, int(profile.stateful_runs * scale)),
    )


def _generated_requests(examples: int, sequences: int) -> int:
    return examples * REQUESTS_PER_EXAMPLE + sequences * STEPS_PER_SEQUENCE


def _sequences(profile: Profile) -> int:
    # The paging test runs at least one sequence whatever the profile says.
    return max(profile.stateful_runs, 1) if profile.examples else 0


def _walks(profile: Profile, pages: int) -> tuple[WalkPlan, ...]:
    widest = max(profile.page_sizes)
    others: list[WalkKey] = [(size, None) for size in sorted(profile.page_sizes, reverse=True)]
    others += [(None, None)] + [(profile.filter_page_size, status) for status in STATUSES]
    if profile.end_share:
        others.remove((widest, None))
    end_pages = int(pages * profile.end_share)
    share = max(1, (pages - end_pages) // len(others))
    walks = [WalkPlan(limit, status, share, profile.max_items) for limit, status in others]
    if profile.end_share:
        # The walk to the end is the one walk `max_items` does not cap: its share does.
        walks.insert(0, WalkPlan(widest, None, max(1, end_pages), None, to_the_end=True))
    return tuple(walks)
