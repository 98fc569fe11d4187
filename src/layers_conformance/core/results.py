"""The outcome of a run, per requirement: what the reports are written from.

Plain data, free of pytest: the plugin fills it, the writers in `reporting/` read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Literal, get_args

from layers_conformance.core.stops import StopKind

# Of one requirement. `waived`: failed, under a valid waiver; `flaky`: failed, then held when
# checked once more. In the order the reports list them: what holds, what breaks, the rest.
Status = Literal["pass", "fail", "waived", "flaky", "warn", "skip", "inconclusive"]
# Of a run: `fail` needs the server to have broken a requirement (or a waiver to have expired);
# a run that could not finish with nothing failed (the suite's own limits, a gateway's
# refusals, an answer it could not read) is `incomplete`, never `fail`: no answer is no evidence.
RunVerdict = Literal["pass", "fail", "incomplete"]
RUN_VERDICTS: tuple[RunVerdict, ...] = get_args(RunVerdict)
# Of a certification run: the same three words, on every MUST (see `RunResult.certification`).
CertificationVerdict = RunVerdict
NOT_SHOWN: tuple[Status, ...] = ("inconclusive", "skip")  # the run could not tell
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
class Cell:
    """One item where a traversal lists it, as the drawing of a divergence shows it."""

    id: str
    created_at: str
    page: int
    position: int  # on its page, from 1
    tie: int  # the number of its createdAt in the drawing, alike in every column
    tied: bool  # some sequence compared lists another item with the same createdAt
    # Set on the first item of a page: the page starts here, asked with this cursor
    # ("" for the first page, asked without one).
    cursor: str | None = None
    # What is wrong here: missing, extra, repeated, out-of-order, excluded, wrong-status;
    # or the item that explains it: first-listed, listed-before.
    mark: str = ""
    note: str = ""


@dataclass(frozen=True)
class Column:
    """One traversal's items around a divergence; None is a gap where the other lists one."""

    label: str
    cells: tuple[Cell | None, ...]
    end: str = ""  # set when the traversal ends inside the window: how it ended


@dataclass(frozen=True)
class Divergence:
    """Where a sequence goes wrong: the page size, the page and the item, and the rows around.

    The columns' cells are aligned row by row (one column for a check of one traversal).
    """

    page_size: int | None  # None: the default limit
    page: int
    item: str
    columns: tuple[Column, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Divergence:
        columns = tuple(
            Column(
                column["label"],
                tuple(None if c is None else Cell(**c) for c in column["cells"]),
                column["end"],
            )
            for column in data["columns"]
        )
        return cls(data["page_size"], data["page"], data["item"], columns)


@dataclass(frozen=True)
class FieldRow:
    """One field of an answer: what the page documents, what came back, and whether they differ."""

    path: str
    expected: str
    actual: str
    differs: bool


@dataclass(frozen=True)
class Evidence:
    """Why one test of a requirement did not pass, with the exchange that shows it.

    `divergence` draws a failure that compares sequences; `field_diff` sets an answer's fields
    against the documented shape. Both stay plain data: evidence crosses from xdist workers.
    """

    test: str
    message: str
    expected: str = ""
    actual: str = ""
    request: str = ""
    response_excerpt: str = ""
    curl: str = ""
    divergence: Divergence | None = None
    field_diff: tuple[FieldRow, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        """Evidence back from `dataclasses.asdict`, as a pytest report carries it."""
        plain = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        divergence = data.get("divergence")
        return cls(
            **plain
            | {
                "divergence": Divergence.from_json(divergence) if divergence else None,
                "field_diff": tuple(FieldRow(**row) for row in data.get("field_diff", ())),
            }
        )


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


# Coverage that lists one input's values rather than pairs of two dimensions: each value as
# (value, one of these), e.g. ("rea", "near miss"), ("foreign", "alone").
NEAR_MISS, SPELLING, ALONE = "near miss", "spelling", "alone"
VALUE_SETS = (NEAR_MISS, SPELLING, ALONE)


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
class Change:
    """One change the run saw the list make between two of its observations: an influencer
    created, archived or moved, said in words, the requests that showed it (the earlier
    first), and the requirements whose comparisons it narrowed (set the influencer aside)."""

    kind: str  # "created", "archived" or "moved"
    influencer: str
    detail: str
    shown_by: tuple[str, ...]
    narrowed: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """The change from its plain-data form (lists where tuples were)."""
        return cls(
            kind=str(data["kind"]),
            influencer=str(data["influencer"]),
            detail=str(data["detail"]),
            shown_by=tuple(str(request) for request in data["shown_by"]),
            narrowed=tuple(str(ident) for ident in data.get("narrowed", ())),
        )


def merge_changes(parts: Iterable[tuple[str, Change]]) -> tuple[Change, ...]:
    """Changes several tests set aside, each (requirement, change): one entry per influencer
    and kind, with every request that showed it and every requirement it narrowed, in the
    order first seen."""
    merged: dict[tuple[str, str], Change] = {}
    for requirement, change in parts:
        seen = merged.get((change.kind, change.influencer), change)
        merged[(change.kind, change.influencer)] = Change(
            change.kind,
            change.influencer,
            seen.detail,
            tuple(sorted(dict.fromkeys((*seen.shown_by, *change.shown_by)), key=_request_number)),
            tuple(dict.fromkeys((*seen.narrowed, *change.narrowed, requirement))),
        )
    return tuple(merged.values())


def _request_number(request: str) -> int:
    """A request said `#n METHOD URL` sorts by n; one without a number goes last."""
    number = request.removeprefix("#").split(" ", 1)[0]
    return int(number) if request.startswith("#") and number.isdigit() else 1 << 62


@dataclass(frozen=True)
class Spent:
    """Requests one test used (the walks it was the first to read included)."""

    test: str
    requirement: str
    requests: int


@dataclass(frozen=True)
class Traffic:
    """What the target's refusals cost a run: the requests sent again, by cause (`429`,
    `503`, `closed`: a connection closed before any answer), the time spent waiting on them
    (seconds during which some request waited), and the `rate_limit_rps` that would have
    kept the target from refusing (None when it never refused)."""

    retries: tuple[tuple[str, int], ...] = ()
    waited_s: float = 0.0
    suggested_rps: float | None = None

    @property
    def retried(self) -> int:
        """Requests sent again, all causes."""
        return sum(count for _, count in self.retries)

    def plus(self, other: Traffic) -> Traffic:
        """Two clients' traffic (pytest-xdist workers) as one run's."""
        retries: dict[str, int] = dict(self.retries)
        for cause, count in other.retries:
            retries[cause] = retries.get(cause, 0) + count
        suggestions = [r for r in (self.suggested_rps, other.suggested_rps) if r is not None]
        return Traffic(
            tuple(sorted(retries.items())),
            round(self.waited_s + other.waited_s, 3),
            min(suggestions) if suggestions else None,
        )

    def to_json(self) -> dict[str, Any]:
        """As plain data."""
        return {
            "retries": dict(self.retries),
            "waited_s": self.waited_s,
            "suggested_rate_limit_rps": self.suggested_rps,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Traffic:
        """From what `to_json` gave."""
        retries = tuple(sorted((str(k), int(v)) for k, v in data.get("retries", {}).items()))
        suggested = data.get("suggested_rate_limit_rps")
        return cls(retries, float(data.get("waited_s", 0.0)), suggested)


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
    stop: StopKind | None = None  # why `aborted`, as data: what a replay repeats
    notes: tuple[str, ...] = field(default_factory=tuple)
    waivers: tuple[WaiverOutcome, ...] = ()
    certify: bool = False  # a certification run (`--certify`)
    # Pairs of the query space's dimensions the run's generated and pairwise cases sent.
    coverage: tuple[PairCoverage, ...] = ()
    budget: int = 0  # the requests the run might send
    spending: tuple[Spent, ...] = ()  # by test, most first
    # When the budget or the deadline cut the run short: which limit, and how to raise it.
    raise_hint: str = ""
    traffic: Traffic = field(default_factory=Traffic)  # what the target's refusals cost
    # What the list did while the run read it, as the server showed it (a list in use).
    changes: tuple[Change, ...] = ()

    @property
    def effective_rps(self) -> float:
        """Requests sent a second, retries included, over the whole run."""
        sent = self.requests + self.traffic.retried
        return round(sent / self.duration_s, 2) if self.duration_s > 0 else 0.0

    @property
    def verdict(self) -> RunVerdict:
        """`fail` when a requirement failed or a waiver expired, finished or not; else
        `incomplete` when the run could not finish (`aborted`); else `pass`."""
        failed = any(r.status == "fail" for r in self.requirements)
        # An expired waiver fails the run even when its requirement now holds: the date was
        # a promise, and the file must be brought up to date either way.
        expired = any(outcome.use == "expired" for outcome in self.waivers)
        if failed or expired:
            return "fail"
        return "incomplete" if self.aborted else "pass"

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
