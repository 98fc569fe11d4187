"""The query space against one target: the ground truth its walks show, the cursors they met,
the pairwise cover made concrete, each case sent with its project and key, and the first
pages judged at every limit."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

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
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, Traversal, read_page
from layers_conformance.core.results import PairCoverage
from layers_conformance.probing.client import Credentials
from layers_conformance.probing.observed import WalkKey, observed, plan_walks
from layers_conformance.probing.probe import Probe

MALFORMED_PROJECT_ID = "not-a-uuid"
# Filtered first pages are asked for at these limits (every limit is asked for unfiltered).
FILTERED_LIMITS = (1, 50, 100)
UNKNOWN_KEY = "lc_not_a_key_0000000000000000"


@dataclass(frozen=True)
class Ground:
    """What a run knows of the space on one target, gathered once and shared by its tests."""

    truth: Truth
    offer: Offer
    book: CursorBook
    points: tuple[Classes, ...]  # every point the target allows, clean first
    allowed: frozenset[pairwise.Pair]
    least: dict[tuple[int, str], int]  # `pairwise.fewest_defects` of `points`
    cases: tuple[Case, ...]  # the pairwise cover, made concrete

    def coverage(self, sent: Iterable[Classes]) -> tuple[PairCoverage, ...]:
        """Per two dimensions, the pairs the target allows and those `sent` hit; per
        dimension, its hard values and those `sent` with no defect they do not need."""
        sent = tuple(sent)
        alone = pairwise.alone_coverage(self.least, sent)
        return pairwise.pair_coverage(self.allowed, sent) + alone


def gather(probe: Probe) -> Ground:
    """The ground truth, the cursors and the pairwise cases of the probe's target: computed
    once, by the warm-up or the first test that asks. The walks it stands on are read here
    all the same (remembered: no request), so the asking test's record says it read them."""
    walks = plan_walks(probe)
    return cast(Ground, probe.derived.get("query space", lambda: _gather(probe, walks)))


def _gather(probe: Probe, walks: dict[WalkKey, Traversal]) -> Ground:
    known = truth(probe)
    counted = functools.partial(total, known)
    target = offer(_projects(probe), probe.keys.without_scope is not None, counted)
    book = CursorBook(lambda status, limit: _first_page(probe, status, limit))
    for (limit, status), walk in walks.items():
        book.learn(status, limit, walk)
    points = tuple(pairwise.feasible_points(target))
    cover = pairwise.all_pairs(points)
    made = (book.case(pairwise.concretize(c, i, target), i) for i, c in enumerate(cover))
    return Ground(
        known,
        target,
        book,
        points,
        pairwise.allowed_pairs(points),
        pairwise.fewest_defects(points),
        tuple(case for case in made if case is not None),
    )


def truth(probe: Probe) -> Truth:
    """The main project's listing as the run observed it (`probing.observed`): the widest
    walk read again after every other, with what they show it skipped."""
    return observed(probe).truth()


def first_pages(known: Truth) -> list[tuple[int, str | None]]:
    """The (limit, status) of every first page judged against `known`: limit 1 to 100
    unfiltered and a spread of limits under each status, as far as the walks showed items
    enough to say how many a page must hold."""
    asked: list[tuple[int, str | None]] = [
        (limit, None) for limit in range(params.MIN_LIMIT, params.MAX_LIMIT + 1)
    ]
    asked += [(limit, s) for s in params.STATUSES for limit in FILTERED_LIMITS]
    return [(limit, s) for limit, s in asked if known.complete or total(known, s) >= limit]


def total(known: Truth, status: str | None) -> int:
    """How many items of the known listing a filter by `status` (None: none) keeps."""
    return len(known.filtered(status).items)


def first_page_query(limit: int | None, status: str | None) -> tuple[tuple[str, str], ...]:
    """The query of a first page at `limit` under `status` (None: left out)."""
    named = (("limit", None if limit is None else str(limit)), ("status", status))
    return tuple((name, value) for name, value in named if value is not None)


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
    return read_page(probe.get(first_page_query(limit, status)), 1, limit)
