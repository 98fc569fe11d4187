"""The engine behind the suites that judge many requests: each request fetched ahead, side by
side as far as --concurrency allows, then judged in order by the one oracle; the pairs of
the query space they sent recorded for the reports, whatever happens; Hypothesis's draws
made twice with one seed (once to fetch, once to judge).

The suites (`suites/test_query_space.py`, `suites/test_generated.py`) say what is checked;
this module says how the requests go out, so that they read as the specification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from hypothesis import assume
from hypothesis import settings as Settings
from hypothesis.strategies import SearchStrategy

from layers_conformance.checks import strategies
from layers_conformance.checks.queries import Truth, expected, gave_up, judge
from layers_conformance.checks.space import Case, Point
from layers_conformance.checks.violations import expect, inconclusive
from layers_conformance.core.results import PairCoverage
from layers_conformance.probing.probe import Probe
from layers_conformance.probing.space import Ground, send, truth
from layers_conformance.probing.warmup import send_ahead, walk_prefixes

__all__ = ["judge_cases", "judge_drawn", "run_paging_machine"]

Drawn = tuple[Point, int]  # a point of the space, and the pick of a cursor that fits it


def judge_cases(
    probe: Probe, ground: Ground, cases: Sequence[Case], covered: list[PairCoverage]
) -> None:
    """Send every case and judge its answer: `expect` every violation; stop at the first
    answer that shows the target gave up (hanging, failing: more only cost time)."""
    probe.prefetch([partial(send, case=case) for case in cases])
    sent: list[Case] = []
    violations = []
    try:
        for case in cases:
            answer = send(probe, case)
            violations += judge(case, answer, ground.truth)
            sent.append(case)
            if gave_up(answer):
                break
    finally:
        covered.extend(ground.coverage(case.point.classes for case in sent))
    expect(violations)
    _judged_pages_or_inconclusive(ground.truth, sent)


def judge_drawn(
    probe: Probe,
    ground: Ground,
    drawn: SearchStrategy[Drawn],
    seed: int,
    settings: Settings,
    covered: list[PairCoverage],
) -> None:
    """Judge the cases of the points Hypothesis draws: a first pass draws them, their
    requests go side by side, a second pass of the same seed (so `verify` repeats it)
    draws the same ones and judges their answers, one `expect` each."""
    # A point's case, made once: the cursor book learns as it goes, so the same point made
    # again could take another cursor.
    made: dict[Drawn, Case | None] = {}

    def generated(visit: Callable[[Case], None]) -> None:
        def case_of(point_and_pick: Drawn) -> None:
            if point_and_pick not in made:
                made[point_and_pick] = ground.book.case(*point_and_pick)
            case = made[point_and_pick]
            assume(case is not None)
            assert case is not None  # for the type checker: `assume` ended the example
            visit(case)

        strategies.run_given(drawn, seed, settings, case_of)

    generated(lambda case: None)
    send_ahead(probe, [partial(send, case=case) for case in made.values() if case is not None])
    sent: list[Case] = []

    def judged(case: Case) -> None:
        answer = send(probe, case)
        sent.append(case)
        expect(judge(case, answer, ground.truth))

    try:
        generated(judged)
    finally:
        covered.extend(ground.coverage(case.point.classes for case in sent))
    _judged_pages_or_inconclusive(ground.truth, sent)


def run_paging_machine(probe: Probe, seed: int, settings: Settings) -> None:
    """Hypothesis's paging machine against the target: its pages are prefixes of walks, one
    chain each, so a first run over a model of the listing finds them and they are fetched
    side by side; the run that judges then pages through them, asking for any other page as
    it goes. Hypothesis runs in the calling thread only: it parses source with `ast` while
    it reports, and CPython 3.11's AST breaks when several threads parse at once."""
    ahead = strategies.pages_ahead(truth(probe), seed, settings)
    send_ahead(probe, walk_prefixes(ahead))
    strategies.run_machine(probe.get, seed, settings)


def _judged_pages_or_inconclusive(known: Truth, sent: Sequence[Case]) -> None:
    if not known.known and any(expected(case).readings for case in sent):
        inconclusive("no walk of the main project gave a page: no page could be judged")
