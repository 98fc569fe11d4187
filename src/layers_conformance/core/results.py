"""The outcome of a run, per requirement: what the reports are written from.

Plain data, free of pytest: the plugin fills it, the writers in `reporting/` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Status = Literal["pass", "fail", "warn", "skip", "inconclusive"]  # of one requirement
RunVerdict = Literal["pass", "fail"]
CertificationVerdict = Literal["pass", "fail", "incomplete"]
NOT_SHOWN: tuple[Status, ...] = ("inconclusive", "skip")  # the run could not tell
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
    certify: bool = False  # a certification run (`--certify`)

    @property
    def verdict(self) -> RunVerdict:
        failed = any(r.status == "fail" for r in self.requirements)
        return "fail" if failed or self.aborted else "pass"

    @property
    def certification(self) -> CertificationVerdict | None:
        """A certification run's verdict, None for any other run.

        A pass needs every MUST to pass in a run that finished. A MUST the run could not
        show (inconclusive, skip) leaves it incomplete; anything else seen on a MUST, or a
        failure anywhere, fails it.
        """
        if not self.certify:
            return None
        if self.broken:
            return "fail"
        return "incomplete" if self.aborted or self.unproven else "pass"

    @property
    def broken(self) -> tuple[RequirementResult, ...]:
        """What fails a certification: any failure, and a MUST neither passed nor unshown."""
        return tuple(
            r
            for r in self.requirements
            if r.status == "fail" or (r.level == "MUST" and r.status not in ("pass", *NOT_SHOWN))
        )

    @property
    def unproven(self) -> tuple[RequirementResult, ...]:
        """The MUST requirements the run could not show either way."""
        return tuple(r for r in self.requirements if r.level == "MUST" and r.status in NOT_SHOWN)
