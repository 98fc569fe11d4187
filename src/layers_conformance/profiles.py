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
    examples: int  # Hypothesis examples per property
    stateful_runs: int
    shrink: bool  # shrinking costs requests; only where the budget allows


PROFILES = {
    "smoke": Profile("smoke", 60, (100,), 100, 100, 50, 0, 0, shrink=False),
    "standard": Profile("standard", 1500, (1, 7, 25, 100), 1000, 40, 2000, 40, 8, shrink=False),
    "thorough": Profile(
        "thorough", 20000, (1, 7, 25, 100), None, None, 20000, 300, 50, shrink=True
    ),
}
