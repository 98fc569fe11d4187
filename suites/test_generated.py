"""Generated sequences of page requests (generated points of the query space: test_query_space)."""

import pytest
from hypothesis import seed
from hypothesis.stateful import run_state_machine_as_test

from layers_conformance.checks import strategies

# Each step re-checks every page so far; ten pages already cross several cursors.
STEPS_PER_SEQUENCE = 10


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
        run_state_machine_as_test(
            machine,
            settings=strategies.settings_for(
                examples, conformance.profile.shrink, STEPS_PER_SEQUENCE
            ),
        )
