"""The outcome of a run, per requirement: what the reports are written from.

Plain data, free of pytest: the plugin fills it, the writers in `reporting/` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Status = Literal["pass", "fail", "warn", "skip", "inconclusive"]  # of one requirement
RunVerdict = Literal["pass", "fail"]
# In the order the reports list them.
REQUIREMENT_STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class Evidence:
    """Why one test of a requirement did not pass, with the exchange that shows it."""

    test: str
    message: str
    expected: str = ""
    actual: str = ""
    request: str = ""
    response_excerpt: str = ""
    curl: str = ""


@dataclass(frozen=True)
class RequirementResult:
    """The verdict on one catalogue requirement."""

    id: str
    level: Literal["MUST", "SHOULD"]
    area: str
    statement: str
    section: str
    quote: str
    ambiguity: str
    status: Status
    tests: int
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Spent:
    """Requests one test used (the walks it was the first to read included)."""

    test: str
    requirement: str
    requests: int


@dataclass(frozen=True)
class RunResult:
    """A whole run: where it ran, how, and the verdict on every requirement."""

    suite_version: str
    spec_sha256: str
    target: str
    base_url: str
    profile: str
    seed: int
    started_at: str
    duration_s: float
    requests: int
    requirements: tuple[RequirementResult, ...]
    aborted: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    budget: int = 0  # the requests the run might send
    spending: tuple[Spent, ...] = ()  # by test, most first
    # When the budget or the deadline cut the run short: which limit, and how to raise it.
    raise_hint: str = ""

    @property
    def verdict(self) -> RunVerdict:
        failed = any(r.status == "fail" for r in self.requirements)
        return "fail" if failed or self.aborted else "pass"
