"""Fixtures shared by the suites: the query space's ground, gathered once per run."""

import pytest

from layers_conformance.probing import space


@pytest.fixture(scope="session")
def query_space(conformance):
    """The target's ground truth, cursors and pairwise cases (see probing/space.py)."""
    return space.gather(conformance)
