"""Generated sequences of page requests (generated points of the query space: test_query_space)."""

import pytest

from layers_conformance.checks import strategies
from layers_conformance.probing.judged import run_paging_machine

# Each step re-checks every page so far; ten pages already cross several cursors.
STEPS_PER_SEQUENCE = 10


@pytest.mark.sequential
@pytest.mark.requirement("TRAV-PAGING-001")
def test_any_sequence_of_page_requests_keeps_the_invariants(conformance, conformance_seed):
    """Pages met by following cursors stay within limit, newest first and disjoint."""
    examples = max(conformance.profile.stateful_runs, 1)
    settings = strategies.settings_for(examples, conformance.profile.shrink, STEPS_PER_SEQUENCE)
    # Marked `sequential`: it starts first, beside the walks fetched ahead.
    run_paging_machine(conformance, conformance_seed, settings)
