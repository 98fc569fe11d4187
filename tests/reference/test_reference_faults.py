"""The fault catalogue: well-formed, and every entry visibly changes the server."""

from __future__ import annotations

import dataclasses
import re
from contextlib import closing

import httpx
import pytest
from reference_probe import probe

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.reference.app import reference_app
from layers_conformance.reference.faults import CATALOGUE, FAULTS, HOSTILE, LIVE_FAULTS, VARIANTS
from layers_conformance.reference.faults.hostile import SlowPages
from layers_conformance.reference.serve import serve_in_thread

# Hostile entries whose defaults would make the smoke slow.
QUICK = {"slow_pages": SlowPages(delay_s=0.3)}


class Switch:
    """One server for the whole smoke, its app swapped per fault (a server stop costs 0.2 s)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def clean_observations(base_url, dataset):
    return list(probe(base_url, dataset.fixtures))


@pytest.fixture(scope="session")
def switch(dataset):
    switch = Switch(reference_app(dataset))
    with serve_in_thread(switch) as url:
        switch.url = url
        yield switch


def test_there_are_enough_faults():
    """At least 45 faults, and variants and hostile servers besides."""
    assert (len(FAULTS) >= 45, len(VARIANTS) >= 8, len(HOSTILE) >= 10) == (True, True, True)


@pytest.mark.parametrize("name", CATALOGUE)
def test_fault_is_well_formed(name):
    """A snake_case name, a one-line docstring, a frozen dataclass, known requirement ids."""
    fault = CATALOGUE[name]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", fault.name)
    assert fault.name == name
    assert "\n" not in (type(fault).__doc__ or "\n").strip()
    assert dataclasses.fields(fault) is not None
    assert type(fault).__dataclass_params__.frozen
    assert set(fault.breaks) <= set(load_catalogue())


def test_faults_break_something_and_variants_nothing():
    """Every fault names what it breaks; no variant does."""
    assert all(fault.breaks for fault in FAULTS.values())
    assert not any(variant.breaks for variant in VARIANTS.values())


def test_clean_probe_is_repeatable(base_url, dataset, clean_observations):
    """The battery is deterministic against the clean server, so differences mean something."""
    assert list(probe(base_url, dataset.fixtures)) == clean_observations


@pytest.mark.parametrize("name", sorted(set(CATALOGUE) - set(LIVE_FAULTS)))
def test_fault_is_observable(name, dataset, switch, clean_observations):
    """Some request of the battery is answered differently from the clean reference (a
    live-only fault differs only on a live list: `test_reference_live.py`)."""
    switch.app = reference_app(dataset, QUICK.get(name, CATALOGUE[name]))
    with closing(probe(switch.url, dataset.fixtures)) as observations:
        differs = any(
            seen != clean for seen, clean in zip(observations, clean_observations, strict=False)
        )
    assert differs, f"{name} answers the battery exactly like the clean reference"


def test_faults_compose(dataset, switch):
    """Two faults applied together both show."""
    faults = (CATALOGUE["oldest_first"], CATALOGUE["extra_item_field"])
    switch.app = reference_app(dataset, *faults)
    path = f"/v1/projects/{dataset.fixtures.project_id}/influencers"
    headers = {"X-Api-Key": dataset.fixtures.key}
    items = httpx.get(switch.url + path, headers=headers).json()["items"]
    stamps = [item["createdAt"] for item in items]
    assert stamps == sorted(stamps)
    assert all("archived" in item for item in items)
