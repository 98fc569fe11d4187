"""Hypothesis strategies over the query space, and a machine that pages.

Both are pure of I/O: the machine asks for pages through an injected `fetch`, so it can be
driven by a live probe in the suites or by recorded pages in the self-tests.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from layers_conformance.checks import nearmiss, pairwise, params, shapes
from layers_conformance.checks.queries import Truth, WalkSoFar, requirement_of
from layers_conformance.checks.space import Classes, Offer, Params, Point
from layers_conformance.checks.violations import expect
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, read_page

PLAIN_TEXT = st.text(alphabet="abcdefxyzABC-_.,;:!~", min_size=1, max_size=6)
# The near misses the page excludes, from the grammar of each input (checks/nearmiss.py): a
# limit or status the query space draws is one of these as often as a hand-picked value. Those
# only a raw query string says (`wire`) are no value a point can carry: the near-miss tests
# send them, whatever the seed.
CLOSED_LIMITS = tuple(m.sent[0] for m in nearmiss.limit_near_misses() if not (m.open or m.wire))
CLOSED_STATUSES = tuple(m.sent[0] for m in nearmiss.status_near_misses() if not (m.open or m.wire))
PICKS = st.integers(0, 10**6)
LIMITS = st.integers(params.MIN_LIMIT, params.MAX_LIMIT)
FILTERS = st.none() | st.sampled_from(params.STATUSES)
# fetch(params) -> the exchange answering one request for the project under test.
Fetch = Callable[[Params], Exchange]
T = TypeVar("T")
# (limit, status filter) of a walk -> how many of its pages the paging machine asks for.
Deepest = dict[tuple[int, str | None], int]


def settings_for(examples: int, shrink: bool, steps: int) -> settings:
    """Hypothesis's settings for a run: no deadline or database (the target is the test's
    state), shrinking only where the profile pays for its requests."""
    phases = list(Phase) if shrink else [Phase.explicit, Phase.generate]
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )


def points(
    offer: Offer, partition: str, feasible: Sequence[Classes]
) -> st.SearchStrategy[tuple[Point, int]]:
    """Points of the space judged under `partition` among the `feasible` ones, each with a
    number that picks among the cursors that fit it. Shrinking goes towards the cleanest
    point (first values of every dimension) and the first cursor."""
    mine = [c for c in feasible if requirement_of(c) == partition]
    if not mine:
        return st.nothing()
    made: dict[Classes, st.SearchStrategy[Point]] = {}  # each class's, built and checked once

    def point_of(classes: Classes) -> st.SearchStrategy[Point]:
        if classes not in made:
            made[classes] = _point(classes, offer)
        return made[classes]

    return st.tuples(st.sampled_from(mine).flatmap(point_of), PICKS)


def _point(classes: Classes, offer: Offer) -> st.SearchStrategy[Point]:
    project, limit, status, cursor, key = classes
    filtered = None if status == "absent" else status
    cap = offer.counts.get(filtered, 0) - 1 if cursor == "this-query" else params.MAX_LIMIT - 1
    return st.builds(
        Point, st.just(project), _limit(limit, cap), _status(status), st.just(cursor), st.just(key)
    )


def _limit(limit: str, cap: int) -> st.SearchStrategy[str | None]:
    if limit == "2-99":
        return st.integers(2, max(2, min(cap, params.MAX_LIMIT - 1))).map(str)
    if limit == "out-of-range":
        outside = st.integers(-(10**6), 0) | st.integers(params.MAX_LIMIT + 1, 10**9)
        return st.sampled_from(params.LIMITS_OUT_OF_RANGE) | outside.map(str)
    if limit == "not-integer":
        texts = PLAIN_TEXT.filter(lambda text: not params.CANONICAL_INTEGER.fullmatch(text))
        near = st.sampled_from(CLOSED_LIMITS).filter(
            lambda text: not params.CANONICAL_INTEGER.fullmatch(text)
        )
        return st.sampled_from(params.LIMITS_NOT_INTEGER) | near | texts
    return st.just(pairwise.limit_value(limit, 0))


def _status(status: str) -> st.SearchStrategy[str | None]:
    if status != "invalid":
        return st.just(pairwise.status_value(status, 0))
    texts = PLAIN_TEXT.filter(lambda text: text not in params.STATUSES)
    return st.sampled_from(params.STATUSES_INVALID) | st.sampled_from(CLOSED_STATUSES) | texts


def run_given(
    strategy: st.SearchStrategy[T], seed_value: int, chosen: settings, visit: Callable[[T], None]
) -> None:
    """`visit` each value Hypothesis draws from `strategy`, as one property under `chosen`
    settings, in this thread (CPython 3.11's `ast`, which Hypothesis uses while it reports,
    is not thread-safe). Two runs with one seed visit the same values, in the same order,
    as long as their visits pass and `assume` the same: the first can draw what the second
    will judge. A visit that raises is a failing example, shrunk if `chosen` says so."""

    @seed(seed_value)
    @chosen
    @given(strategy)
    def property_of(value: T) -> None:
        visit(value)

    # No example database (`chosen` has none), so no key for one: Hypothesis would read and
    # tokenize this function's source to make it, each of the run's 36 calls (as its own
    # `find` does, the attribute says there is none).
    property_of._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    with seed_alone_decides():
        property_of()


@contextmanager
def seed_alone_decides() -> Iterator[None]:
    """Within the block, what Hypothesis generates depends on the seed (and the answers) alone.

    Hypothesis also draws constants found in the source of whichever non-installed modules
    happen to be imported at the time. A run against the embedded reference imports other
    modules than its replay under `layers-conformance verify`, or than a run from another
    folder, so the same seed would generate other requests. This empties that pool; the
    hook is private to Hypothesis, so `tests/test_strategies.py` checks that it still works.
    """
    from hypothesis.internal.conjecture import providers

    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # a Hypothesis without local constants: nothing to neutralise
        yield
        return
    providers.CONSTANTS_CACHE.cache.clear()  # it holds constants drawn from the pool
    setattr(providers, "_get_local_constants", _no_constants)  # noqa: B010
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        providers.CONSTANTS_CACHE.cache.clear()


def _no_constants() -> Any:
    from hypothesis.internal.constants_ast import Constants

    return Constants()


class PagingMachine(RuleBasedStateMachine):
    """Walks pages by cursor, starting over at will, checking each page against all before it."""

    def __init__(self, fetch: Fetch) -> None:
        super().__init__()
        self.fetch = fetch
        self.walk = WalkSoFar(None)
        self.limit: int = params.DEFAULT_LIMIT

    @property
    def pages(self) -> list[Page]:
        return self.walk.pages

    @initialize(limit=LIMITS, status=FILTERS)
    def first_page(self, limit: int, status: str | None) -> None:
        self.walk, self.limit = WalkSoFar(status), limit
        self._take(self._query())

    @rule(limit=LIMITS, status=FILTERS)
    def start_again(self, limit: int, status: str | None) -> None:
        self.first_page(limit, status)

    @precondition(lambda self: bool(self.pages) and self.pages[-1].next_cursor is not None)
    @rule()
    def next_page(self) -> None:
        cursor = self.pages[-1].next_cursor or ""
        self._take((*self._query(), ("cursor", cursor)))

    def _query(self) -> Params:
        status = (("status", self.walk.status),) if self.walk.status is not None else ()
        return (("limit", str(self.limit)), *status)

    def _take(self, query: Params) -> None:
        answer = self.fetch(query)
        page = read_page(answer, len(self.pages) + 1, self.limit)
        if page is None:
            expect(shapes.answers_page(answer))
            return
        expect(self.walk.add(page))


def run_machine(fetch: Fetch, seed_value: int, chosen: settings) -> None:
    """The paging machine over `fetch`, under `chosen` settings, in this thread. The seed
    alone decides, so `verify` repeats it, and a run over a model of the target draws what
    a run over the target will (as long as both see the same pages)."""

    def machine() -> PagingMachine:
        return PagingMachine(fetch)

    seed(seed_value)(machine)
    with seed_alone_decides():
        run_state_machine_as_test(machine, settings=chosen)  # type: ignore[arg-type]


def pages_ahead(known: Truth, seed_value: int, chosen: settings) -> Deepest:
    """The walks the paging machine will page through, and how deep, when the target pages
    the `known` listing as the page says: the machine run over a model of it, without a request, so
    that the pages it needs can be fetched side by side before it asks. Where the target
    pages otherwise the machine asks for other pages, fetched as it asks."""
    deepest: Deepest = {}
    answered: dict[Params, Exchange] = {}  # each page once: the machine starts walks again

    def model(query: Params) -> Exchange:
        if query not in answered:
            answered[query] = model_page(query)
        return answered[query]

    def model_page(query: Params) -> Exchange:
        asked = dict(query)
        limit, status = int(asked["limit"]), asked.get("status")
        number = int(asked.get("cursor", "1"))  # the model's cursor: the next page's number
        deepest[(limit, status)] = max(deepest.get((limit, status), 0), number)
        rows = known.filtered(status).items  # read from the pages, never copied whole
        page = rows[(number - 1) * limit : number * limit]
        cursor = str(number + 1) if number * limit < len(rows) else None
        body = json.dumps({"items": page, "nextCursor": cursor})
        return Exchange("GET", "model", {}, 200, {}, body)

    quiet = settings(chosen, phases=[Phase.explicit, Phase.generate], verbosity=Verbosity.quiet)
    # A listing that breaks an invariant fails its model too: the pages ahead end there.
    with contextlib.suppress(Exception):
        run_machine(model, seed_value, quiet)
    return deepest
