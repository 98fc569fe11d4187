"""The outcome of a run, per requirement: what the reports are written from.

Plain data, free of pytest: the plugin fills it, the writers in `reporting/` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

# Of one requirement. `waived`: failed, under a valid waiver; `flaky`: failed, then held when
# checked once more. In the order the reports list them: what holds, what breaks, the rest.
Status = Literal["pass", "fail", "waived", "flaky", "warn", "skip", "inconclusive"]
RunVerdict = Literal["pass", "fail"]
REQUIREMENT_STATUSES: tuple[Status, ...] = get_args(Status)
WaiverUse = Literal["applied", "unused", "expired"]


@dataclass(frozen=True)
class Waiver:
    """A known deviation accepted until a date: which requirement, why, until when, where."""

    requirement: str
    reason: str
    expires: date  # the last day it holds
    target: str = ""  # "" for every target
    source: str = ""  # the file it was read from

    def describe(self) -> str:
        """How a waived result is explained wherever it is shown."""
        return f"waived until {self.expires.isoformat()}: {self.reason}"


@dataclass(frozen=True)
class WaiverOutcome:
    """What one waiver did in a run: applied, matched nothing (unused), or expired."""

    waiver: Waiver
    use: WaiverUse


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
    waiver: Waiver | None = None  # the waiver that made this result `waived`


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
    waivers: tuple[WaiverOutcome, ...] = ()

    @property
    def verdict(self) -> RunVerdict:
        failed = any(r.status == "fail" for r in self.requirements)
        # An expired waiver fails the run even when its requirement now holds: the date was
        # a promise, and the file must be brought up to date either way.
        expired = any(outcome.use == "expired" for outcome in self.waivers)
        return "fail" if failed or expired or self.aborted else "pass"
