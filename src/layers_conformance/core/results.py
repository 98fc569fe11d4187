"""The outcome of a run, per requirement: what the reports are written from.

Plain data, free of pytest: the plugin fills it, the writers in `reporting/` read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

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


ValuePair = tuple[str, str]


@dataclass(frozen=True)
class PairCoverage:
    """Two dimensions of the query space: the value pairs this target allows, and those sent."""

    dimensions: tuple[str, str]
    possible: int  # every value of one dimension with every value of the other
    feasible: tuple[ValuePair, ...]  # the pairs this target's fixtures and data allow
    exercised: tuple[ValuePair, ...]

    @property
    def missed(self) -> tuple[ValuePair, ...]:
        """Pairs the target allows that no case sent."""
        sent = set(self.exercised)
        return tuple(pair for pair in self.feasible if pair not in sent)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PairCoverage:
        """The coverage from its plain-data form (lists where tuples were)."""
        return cls(
            dimensions=(data["dimensions"][0], data["dimensions"][1]),
            possible=int(data["possible"]),
            feasible=tuple((a, b) for a, b in data["feasible"]),
            exercised=tuple((a, b) for a, b in data["exercised"]),
        )


def merge_coverage(parts: Iterable[PairCoverage]) -> tuple[PairCoverage, ...]:
    """Coverage gathered by several tests, one entry per pair of dimensions, in first-seen order."""
    merged: dict[tuple[str, str], PairCoverage] = {}
    for part in parts:
        seen = merged.get(part.dimensions)
        if seen is not None:
            part = PairCoverage(
                part.dimensions,
                max(seen.possible, part.possible),
                _union(seen.feasible, part.feasible),
                _union(seen.exercised, part.exercised),
            )
        merged[part.dimensions] = part
    return tuple(merged.values())


def _union(first: tuple[ValuePair, ...], second: tuple[ValuePair, ...]) -> tuple[ValuePair, ...]:
    return tuple(dict.fromkeys((*first, *second)))


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
    # Pairs of the query space's dimensions the run's generated and pairwise cases sent.
    coverage: tuple[PairCoverage, ...] = ()

    @property
    def verdict(self) -> RunVerdict:
        failed = any(r.status == "fail" for r in self.requirements)
        return "fail" if failed or self.aborted else "pass"
