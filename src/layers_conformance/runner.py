"""A run's life outside pytest: which target, started how, and what the verdicts add up to."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from layers_conformance.catalogue import Requirement
from layers_conformance.results import Evidence, RequirementResult, Status
from layers_conformance.targets import Auth, Fixtures, Secret, Target, load_target

REFERENCE = "reference"
DEFAULT_TARGETS_FILE = Path("targets.yaml")


@dataclass(frozen=True)
class Options:
    """What the command line asked for, validated."""

    target: str
    targets_file: Path | None
    profile: str
    report_dir: Path
    seed: int
    rate_limit_rps: float | None = None
    deadline_s: float | None = None
    reference_faults: tuple[str, ...] = ()
    reference_size: int = 160
    waivers: tuple[Path, ...] = ()  # --waivers files (a targets entry may name one more)
    selected: frozenset[str] | None = None  # the requirements to run; None for all
    recheck_pause_s: float | None = None  # a failure is rechecked after this pause; None: not


def resolve_target(options: Options) -> Target | None:
    """The configured target, or None for the embedded reference (started on first use)."""
    if options.target == REFERENCE and options.targets_file is None:
        return None
    path = options.targets_file or DEFAULT_TARGETS_FILE
    return load_target(path, options.target)


@contextlib.contextmanager
def embedded_reference(options: Options) -> Iterator[Target]:
    """Start the reference server on a free loopback port for the run; stop it after."""
    # Imported here: a run against a remote target never pays for the server's imports.
    from layers_conformance.reference.app import reference_app
    from layers_conformance.reference.dataset import build_dataset
    from layers_conformance.reference.faults import FAULTS, HOSTILE, VARIANTS
    from layers_conformance.reference.serve import serve_in_thread

    known_faults = {**FAULTS, **VARIANTS, **HOSTILE}
    dataset = build_dataset(options.reference_size)
    faults = [known_faults[name] for name in options.reference_faults]
    with serve_in_thread(reference_app(dataset, *faults)) as base_url:
        known = dataset.fixtures
        yield Target(
            name=REFERENCE,
            base_url=base_url,
            auth=Auth("x-api-key", Secret(known.key), Secret(known.key_without_scope)),
            fixtures=Fixtures(
                project_id=known.project_id,
                empty_project_id=known.empty_project_id,
                foreign_project_id=known.foreign_project_id,
                archived_influencer_ids=known.archived_influencer_ids,
            ),
            rate_limit_rps=None,
            request_budget=None,
            timeout_s=None,
        )


def missing_fixtures(requirement: Requirement, target: Target) -> list[str]:
    """The fixtures a requirement needs that the target's entry does not provide."""
    provided = {
        "project_id": target.fixtures.project_id,
        "empty_project_id": target.fixtures.empty_project_id,
        "foreign_project_id": target.fixtures.foreign_project_id,
        "key_without_scope": target.auth.key_without_scope,
        "archived_influencer_ids": target.fixtures.archived_influencer_ids,
    }
    return [name for name in requirement.fixtures if provided.get(name) is None]


def worker_budget(budget: int) -> int:
    """A run's budget shared out among pytest-xdist workers, so the sum never exceeds it."""
    return max(1, budget // _workers())


def worker_rate(rate_limit_rps: float | None) -> float | None:
    """A run's rate limit shared out among pytest-xdist workers, each pacing its own client."""
    return None if rate_limit_rps is None else rate_limit_rps / _workers()


def _workers() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


@dataclass(frozen=True)
class TestOutcome:
    """One test's verdict on its requirement."""

    requirement: str
    status: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


# `waived` never comes from a test (waivers apply to the folded result), but ranks with fail.
STATUS_PRECEDENCE: tuple[Status, ...] = (
    "fail", "waived", "flaky", "warn", "inconclusive", "pass", "skip"
)  # fmt: skip


@dataclass
class Tally:
    """Test outcomes gathered over a run, folded into one result per requirement."""

    outcomes: list[TestOutcome] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    not_run: dict[str, str] = field(default_factory=dict)  # requirement -> why it did not run

    def fold(self, catalogue: dict[str, Requirement]) -> tuple[RequirementResult, ...]:
        """Every catalogue requirement's verdict; one with no test is never a pass."""
        return tuple(self._fold_one(req) for req in catalogue.values())

    def _fold_one(self, requirement: Requirement) -> RequirementResult:
        mine = [o for o in self.outcomes if o.requirement == requirement.id]
        status, reason = _worst(mine)
        if not mine and requirement.id in self.not_run:
            reason = self.not_run[requirement.id]
        return RequirementResult(
            id=requirement.id,
            level=requirement.level,
            area=requirement.area,
            statement=requirement.statement,
            section=requirement.section,
            quote=requirement.quote,
            ambiguity=requirement.ambiguity,
            status=status,
            tests=len(mine),
            reason=reason,
            evidence=tuple(e for o in mine for e in o.evidence),
        )


def _worst(outcomes: Sequence[TestOutcome]) -> tuple[Status, str]:
    if not outcomes:
        return "skip", "no test of this requirement ran in this run"
    for status in STATUS_PRECEDENCE:
        matching = [o for o in outcomes if o.status == status]
        if matching:
            reasons = sorted({o.reason for o in matching if o.reason})
            return status, "; ".join(reasons)
    raise AssertionError("unreachable: every outcome has a status")
