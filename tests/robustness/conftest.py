"""Fixtures of the robustness self-tests; the helpers themselves live in `harness.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import Targets


@pytest.fixture
def targets(tmp_path) -> Iterator[Targets]:
    """Starts reference servers (maybe wrapped) for the test; stops them after it."""
    made = Targets(tmp_path)
    with made.stack:
        yield made
