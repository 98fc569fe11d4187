"""Generated sequences of page requests (generated points of the query space: test_query_space)."""

import pytest
from hypothesis import seed
from hypothesis.stateful import run_state_machine_as_test

from layers_conformance.checks import strategies

# Each step re-checks every page so far; ten pages already cross several cursors.
STEPS_PER_SEQUENCE = 10


@pytest.mark.requirement("TRAV-PAGING-001")
def test_any_sequence_of_page_requests_keeps_the_invariants(conformance, conformance_seed):
    """Pages met by following cursors stay within limit, newest first and disjoint."""

    def factory():
        return strategies.PagingMachine(conformance.get)

    seed(conformance_seed)(factory)
    examples = max(conformance.profile.stateful_runs, 1)
    run_state_machine_as_test(
        factory,
        settings=strategies.settings_for(examples, conformance.profile.shrink, STEPS_PER_SEQUENCE),
    )
