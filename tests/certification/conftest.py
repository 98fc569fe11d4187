"""Fixtures of the certification self-tests; the helpers themselves live in `evidence.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from evidence import Run, Targets, certify


@pytest.fixture
def targets(tmp_path) -> Iterator[Targets]:
    """Starts reference servers for the test; stops them after it."""
    made = Targets(tmp_path)
    with made.stack:
        yield made


@pytest.fixture(scope="module")
def certified(tmp_path_factory) -> Run:
    """One certification run of the clean embedded reference, shared by a module's tests."""
    run = certify(tmp_path_factory.mktemp("certified"))
    assert run.code == 0, run.explain()
    return run
