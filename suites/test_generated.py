"""Generated sequences of page requests (generated points of the query space: test_query_space)."""

import pytest

from layers_conformance.checks import strategies
from layers_conformance.probing.space import truth
from layers_conformance.probing.warmup import send_ahead, walk_prefixes

# Each step re-checks every page so far; ten pages already cross several cursors.
STEPS_PER_SEQUENCE = 10


@pytest.mark.sequential
@pytest.mark.requirement("TRAV-PAGING-001")
def test_any_sequence_of_page_requests_keeps_the_invariants(conformance, conformance_seed):
    """Pages met by following cursors stay within limit, newest first and disjoint."""
    examples = max(conformance.profile.stateful_runs, 1)
    settings = strategies.settings_for(examples, conformance.profile.shrink, STEPS_PER_SEQUENCE)
    # Its pages are prefixes of walks, one chain each: a first run over a model of the
    # listing finds them, so they go side by side; the run that judges then pages through
    # them as fetched, and asks for any other page as it goes.
    ahead = strategies.pages_ahead(truth(conformance).listing, conformance_seed, settings)
    send_ahead(conformance, walk_prefixes(ahead))
    # Hypothesis runs in this thread only (marked `sequential`, it starts first, beside the
    # walks fetched ahead): it parses source with `ast` while it reports, and CPython 3.11's
    # AST breaks when several threads parse at once.
    strategies.run_machine(conformance.get, conformance_seed, settings)
