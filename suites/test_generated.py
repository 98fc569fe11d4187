"""Generated cases: query strings over the parameter space, and sequences of page requests."""

from functools import partial

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from layers_conformance.checks import params, queries, strategies
from layers_conformance.checks.violations import expect
from layers_conformance.probing.probe import Probe

# Each step re-checks every page so far; ten pages already cross several cursors.
STEPS_PER_SEQUENCE = 10


def _settings(conformance, examples):
    phases = list(Phase) if conformance.profile.shrink else [Phase.explicit, Phase.generate]
    return settings(
        max_examples=examples,
        stateful_step_count=STEPS_PER_SEQUENCE,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )


@pytest.mark.requirement("QUERY-VALIDATION-001")
def test_any_query_is_a_page_that_honours_it_or_validation(conformance, conformance_seed):
    """Valid limit/status/cursor give a page honouring them; anything invalid is VALIDATION."""
    walks = {None: conformance.traverse(min(conformance.profile.page_sizes))}
    walks.update({status: conformance.filtered(status) for status in params.STATUSES})
    cursors = queries.known_cursors(walks)
    drawn = []

    def generated(test):
        strategy = strategies.queries(cursors)
        return seed(conformance_seed)(
            _settings(conformance, conformance.profile.examples)(given(query=strategy)(test))
        )

    @generated
    def draw(query):
        drawn.append(query)

    @generated
    def check(query):
        expect(queries.judge_answer(query, conformance.get(query.params())))

    # The same seed draws the same queries twice: the first time only to send them all
    # ahead, concurrently; the second time to judge each answer.
    with strategies.seed_alone_decides():
        draw()
        conformance.prefetch([partial(Probe.get, params=query.params()) for query in drawn])
        check()


@pytest.mark.sequential
@pytest.mark.requirement("TRAV-PAGING-001")
def test_any_sequence_of_page_requests_keeps_the_invariants(conformance, conformance_seed):
    """Pages met by following cursors stay within limit, newest first and disjoint."""

    def machine():
        return strategies.PagingMachine(conformance.get)

    seed(conformance_seed)(machine)
    examples = max(conformance.profile.stateful_runs, 1)
    # One Hypothesis run, in this thread (marked `sequential`, it starts first, beside the
    # walks fetched ahead): Hypothesis parses source with `ast` while it reports, and
    # CPython 3.11's AST breaks when several threads parse at once.
    with strategies.seed_alone_decides():
        run_state_machine_as_test(machine, settings=_settings(conformance, examples))
