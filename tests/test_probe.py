"""The probe: what pytest prints of it, which must not grow with what it remembers."""

from __future__ import annotations

import httpx

from layers_conformance.core.targets import Fixtures, Secret
from layers_conformance.probing.client import Client, ClientSettings, Credentials
from layers_conformance.probing.probe import Keys, Probe
from layers_conformance.probing.profiles import PROFILES

KEY = Credentials("x-api-key", Secret("lk_probe_SECRET_1"))
FIXTURES = Fixtures("6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11", None, None, None)


def test_the_probe_prints_as_counts_not_bodies():
    """pytest renders the `conformance` fixture for a failure's locals: with 5 MB bodies
    remembered, its repr is still one line of counts (and never a key)."""
    big = httpx.MockTransport(lambda _request: httpx.Response(200, text="x" * 5_000_000))
    client = Client("https://h", KEY, ClientSettings(budget=10), transport=big)
    probe = Probe(client, FIXTURES, PROFILES["standard"], Keys(KEY, None))
    probe.get()
    probe.get((("limit", "7"),))
    assert repr(probe) == "Probe(standard profile, 2 requests, 2 answers, 0 traversals)"
    assert "lk_probe_SECRET_1" not in repr(probe.keys)
