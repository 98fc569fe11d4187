"""Profiles: how much of the target a run may use, from production-safe to exhaustive.

A profile says what a run may spend; `probing.plan` turns it and the run's budget into the
walks the run makes and the share of the budget each may use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """What a run may spend, and how deep it looks."""

    name: str
    budget: int  # requests, retries included
    page_sizes: tuple[int, ...]  # the traversals compared by TRAV-CONSISTENT-001
    filter_page_size: int  # status-filtered traversals page this small, so cursors are used
    examples: int  # Hypothesis examples per property
    stateful_runs: int
    shrink: bool  # shrinking costs requests; only where the budget allows
    deadline_s: float  # no request after this long (--deadline overrides): a run always ends
    # Requests kept for the one-request checks, whatever the walks need (with the tails and
    # the closing walk: ~470 in standard since the raw-query and key-header near misses).
    reserve: int
    end_share: float  # of the walks' budget: the walk at the largest page size, to the end
    max_items: int | None = None  # no walk holds more (smoke: prefixes only)
    # Checks of every item's shape read this many pages of a walk (the first ones and the
    # last): schema validation costs more than the request. None: every page.
    sample_pages: int | None = None
    # Walks that stop as prefixes get a walk of the list's tail at their size (probing/tails).
    tails: bool = True


PROFILES = {
    "smoke": Profile(
        "smoke", budget=60, page_sizes=(100,), filter_page_size=100, examples=0,
        stateful_runs=0, shrink=False, deadline_s=120, reserve=25, end_share=0.3,
        max_items=100, tails=False,
    ),
    "standard": Profile(
        "standard", budget=2000, page_sizes=(1, 7, 25, 100), filter_page_size=7,
        examples=40, stateful_runs=8, shrink=False, deadline_s=600, reserve=550,
        end_share=0.8, sample_pages=50,
    ),
    "thorough": Profile(
        "thorough", budget=20000, page_sizes=(1, 7, 25, 100), filter_page_size=7,
        examples=300, stateful_runs=50, shrink=True, deadline_s=3600, reserve=550,
        end_share=0.55, sample_pages=400,
    ),
}  # fmt: skip
