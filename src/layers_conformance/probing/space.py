"""The query space against one target: the ground truth its walks show, the cursors they met,
the pairwise cover made concrete, and each case sent with its project and key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from layers_conformance.checks import pairwise, params
from layers_conformance.checks.cursors import CursorBook
from layers_conformance.checks.queries import Truth
from layers_conformance.checks.space import (
    OTHER_HEADER,
    PROJECTS,
    Case,
    Classes,
    Offer,
    offer,
)
from layers_conformance.checks.violations import Inconclusive
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, Traversal, read_page
from layers_conformance.core.results import PairCoverage
from layers_conformance.probing.client import Credentials
from layers_conformance.probing.probe import Probe

MALFORMED_PROJECT_ID = "not-a-uuid"
UNKNOWN_KEY = "lc_not_a_key_0000000000000000"


@dataclass(frozen=True)
class Ground:
    """What a run knows of the space on one target, gathered once and shared by its tests."""

    truth: Truth
    offer: Offer
    book: CursorBook
    points: tuple[Classes, ...]  # every point the target allows, clean first
    allowed: frozenset[pairwise.Pair]
    cases: tuple[Case, ...]  # the pairwise cover, made concrete

    def coverage(self, sent: Iterable[Classes]) -> tuple[PairCoverage, ...]:
        """Per two dimensions, the pairs the target allows and those `sent` hit."""
        return pairwise.pair_coverage(self.allowed, sent)


def gather(probe: Probe) -> Ground:
    """The ground truth, the cursors and the pairwise cases of the probe's target."""
    profile = probe.profile
    widest = _walked(probe, max(profile.page_sizes), None)
    target = offer(_projects(probe), probe.keys.without_scope is not None, widest.items)
    book = CursorBook(lambda status, limit: _first_page(probe, status, limit))
    for size in (*profile.page_sizes, None):
        book.learn(None, size, _walked(probe, size, None))
    for status in params.STATUSES:
        book.learn(
            status, profile.filter_page_size, _walked(probe, profile.filter_page_size, status)
        )
    points = tuple(pairwise.feasible_points(target))
    cover = pairwise.all_pairs(points)
    made = (book.case(pairwise.concretize(c, i, target), i) for i, c in enumerate(cover))
    return Ground(
        Truth(tuple(widest.items), widest.complete),
        target,
        book,
        points,
        pairwise.allowed_pairs(points),
        tuple(case for case in made if case is not None),
    )


def _walked(probe: Probe, limit: int | None, status: str | None) -> Traversal:
    # A walk without a single page leaves the truth empty and teaches no cursor; the points
    # that need neither (a missing key, an unknown project) are judged all the same.
    try:
        return probe.traverse(limit, status)
    except Inconclusive:
        return Traversal((), stopped="the walk met no page")


def send(probe: Probe, case: Case) -> Exchange:
    """The case's request, to its project, with its key in its header."""
    return probe.get(
        case.params(),
        project_id=_project_id(probe, case.point.project),
        credentials=credentials(probe, case.point.key),
    )


def credentials(probe: Probe, key: str) -> Credentials | object | None:
    """The credentials of a key class (None: the configured key, as every other test sends it)."""
    keys = probe.keys
    header = "other" if key.endswith(OTHER_HEADER) else "configured"
    kind = key.removesuffix(OTHER_HEADER)
    if kind == "missing":
        return probe.no_credentials
    if kind == "invalid":
        return keys.sent_as(header, UNKNOWN_KEY)
    if kind == "no-scope":
        if keys.without_scope is None:  # such points are not in the target's offer
            raise ValueError("the target gives no key without scope")
        return keys.sent_as(header, keys.without_scope.key)
    return None if header == "configured" else keys.sent_as(header)


def _project_id(probe: Probe, project: str) -> str | None:
    fixtures = probe.fixtures
    return {
        "main": fixtures.project_id,
        "empty": fixtures.empty_project_id,
        "unknown": probe.unknown_project_id,
        "malformed": MALFORMED_PROJECT_ID,
        "foreign": fixtures.foreign_project_id,
    }[project]


def _projects(probe: Probe) -> dict[str, object]:
    return {name: _project_id(probe, name) for name in PROJECTS}


def _first_page(probe: Probe, status: str | None, limit: int | None) -> Page | None:
    named = (("limit", None if limit is None else str(limit)), ("status", status))
    query = tuple((name, value) for name, value in named if value is not None)
    return read_page(probe.get(query), 1, limit)
