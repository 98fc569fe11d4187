"""Profiles: how much of the target a run may use, from production-safe to exhaustive."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """What a run may spend, and how deep it looks."""

    name: str
    budget: int  # requests, retries included
    page_sizes: tuple[int, ...]  # the traversals compared by TRAV-CONSISTENT-001
    max_items: int | None  # a traversal stops (as a prefix) once it holds this many
    small_page_items: int | None  # the same, for page sizes under 25, which cost most
    max_pages: int  # a traversal still paging after this many is a runaway
    filter_page_size: int  # status-filtered traversals page this small, so cursors are used
    examples: int  # Hypothesis examples per property
    stateful_runs: int
    shrink: bool  # shrinking costs requests; only where the budget allows
    deadline_s: float  # no request after this long (--deadline overrides): a run always ends


PROFILES = {
    "smoke": Profile(
        "smoke", budget=60, page_sizes=(100,), max_items=100, small_page_items=100,
        max_pages=50, filter_page_size=100, examples=0, stateful_runs=0, shrink=False,
        deadline_s=120,
    ),
    "standard": Profile(
        "standard", budget=1500, page_sizes=(1, 7, 25, 100), max_items=1000,
        small_page_items=40, max_pages=2000, filter_page_size=7, examples=40,
        stateful_runs=8, shrink=False, deadline_s=600,
    ),
    "thorough": Profile(
        "thorough", budget=20000, page_sizes=(1, 7, 25, 100), max_items=None,
        small_page_items=None, max_pages=20000, filter_page_size=7, examples=300,
        stateful_runs=50, shrink=True, deadline_s=3600,
    ),
}  # fmt: skip
