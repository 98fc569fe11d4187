"""Shared fixtures: one dataset and one clean reference server for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from layers_conformance.reference.app import reference_app
from layers_conformance.reference.dataset import Dataset, build_dataset
from layers_conformance.reference.serve import serve_in_thread


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return build_dataset()


@pytest.fixture(scope="session")
def base_url(dataset) -> Iterator[str]:
    with serve_in_thread(reference_app(dataset)) as url:
        yield url


@pytest.fixture
def client(base_url, dataset) -> Iterator[httpx.Client]:
    headers = {"X-Api-Key": dataset.fixtures.key}
    with httpx.Client(base_url=base_url, headers=headers, timeout=5) as http:
        yield http


@pytest.fixture
def path(dataset) -> str:
    return f"/v1/projects/{dataset.fixtures.project_id}/influencers"
