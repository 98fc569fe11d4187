"""The probe: each request sent once at any concurrency, work fetched ahead, tasks side by side."""

from __future__ import annotations

import json
import threading
import time

import pytest

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.targets import Fixtures, Secret
from layers_conformance.probing.client import Credentials
from layers_conformance.probing.probe import Keys, Memo, Probe
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.probing.warmup import send_ahead, walk_prefixes

PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"


class SlowClient:
    """Answers every request with an empty last page after a short wait, counting them."""

    def __init__(self) -> None:
        self.requests_sent = 0
        self.lock = threading.Lock()

    def list_influencers(self, project_id, params=(), *, credentials=None):
        time.sleep(0.02)  # long enough for several threads to ask at once
        with self.lock:
            self.requests_sent += 1
        body = json.dumps({"items": [], "nextCursor": None})
        return Exchange("GET", f"http://t/{project_id}?{params}", {}, 200, {}, body)


def make_probe(concurrency=4):
    keys = Keys(Credentials("x-api-key", Secret("k")), None)
    fixtures = Fixtures(PROJECT, None, None, None)
    told = []
    probe = Probe(SlowClient(), fixtures, PROFILES["standard"], keys, 1, concurrency)
    probe.on_answer = told.append
    return probe, told


class TestMemo:
    def test_a_key_asked_from_many_threads_is_computed_once(self):
        """Whoever asks first computes; the others wait for the same result."""
        memo, calls = Memo(), []

        def compute():
            calls.append(1)
            time.sleep(0.02)
            return "answer"

        results = []
        threads = [
            threading.Thread(target=lambda: results.append(memo.get("k", compute)))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (len(calls), results) == (1, ["answer"] * 8)

    def test_an_error_is_the_remembered_answer(self):
        """A spent budget stays spent: the next asker gets the same error, nothing is resent."""
        memo, calls = Memo(), []

        def compute():
            calls.append(1)
            raise ValueError("spent")

        for _ in range(2):
            with pytest.raises(ValueError, match="spent"):
                memo.get("k", compute)
        assert len(calls) == 1


class TestPrefetch:
    def test_prefetched_requests_are_sent_once_and_told_only_when_asked(self):
        """Work fetched ahead is sent once, whoever asks first, and is nobody's evidence
        until a test asks for it."""
        probe, told = make_probe()
        queries = [(("limit", str(n)),) for n in range(1, 9)]
        probe.prefetch([lambda p, q=q: p.get(q) for q in queries])
        for query in reversed(queries):  # the test asks while the prefetch is under way
            probe.get(query)
        probe.close()
        assert probe.client.requests_sent == 8
        assert len(told) == 8

    def test_closing_drops_work_not_started(self):
        """When the run ends, nothing more is sent ahead of tests that will never ask."""
        probe, _ = make_probe(concurrency=2)
        probe.prefetch([lambda p, n=n: p.get((("limit", str(n)),)) for n in range(1, 50)])
        probe.close()
        assert probe.client.requests_sent < 49

    def test_work_a_test_waits_for_goes_before_work_not_started(self):
        """`first=True` jobs start before those queued earlier and not yet started."""
        probe, _ = make_probe(concurrency=2)  # one thread ahead of the tests
        started, release = [], threading.Event()
        probe.prefetch([lambda p: release.wait(5)])  # keeps the one thread busy
        probe.prefetch([lambda p, n=n: started.append(n) for n in ("later", "later")])
        probe.prefetch([lambda p, n=n: started.append(n) for n in (1, 2)], first=True)
        release.set()
        deadline = time.monotonic() + 5
        while len(started) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        probe.close()
        assert started == [1, 2, "later", "later"]

    def test_sent_ahead_at_concurrency_one_is_sent_at_once(self):
        """What a test fetches ahead with `send_ahead` is sent at any concurrency: at 1, one
        by one before it returns, so the requests sent do not depend on the concurrency."""
        probe, told = make_probe(concurrency=1)
        send_ahead(probe, [lambda p, n=n: p.get((("limit", str(n)),)) for n in (1, 2, 3)])
        assert (probe.client.requests_sent, len(told)) == (3, 3)

    def test_a_walk_prefix_stops_at_its_depth_or_the_last_page(self):
        """One chain per (limit, status): its first `pages` pages by cursor, no more."""
        probe, _ = make_probe(concurrency=1)
        send_ahead(probe, walk_prefixes({(7, None): 3, (1, "ready"): 1}))
        assert probe.client.requests_sent == 2  # SlowClient's first page is the last

    def test_at_concurrency_one_nothing_is_fetched_ahead(self):
        """`--concurrency 1` sends each request when a test asks for it, as before."""
        probe, _ = make_probe(concurrency=1)
        probe.prefetch([lambda p: p.get()])
        probe.close()
        assert probe.client.requests_sent == 0


def test_the_probe_prints_as_counts_not_bodies():
    """pytest renders the `conformance` fixture in a failure's locals: with 5 MB bodies
    remembered, its repr is still one line of counts, and its keys are masked."""
    keys = Keys(Credentials("x-api-key", Secret("lk_probe_SECRET_1")), None)
    big = Exchange("GET", "http://t/", {}, 200, {}, "x" * 5_000_000)
    client = SlowClient()
    client.list_influencers = lambda *_args, **_kw: big
    probe = Probe(client, Fixtures(PROJECT, None, None, None), PROFILES["standard"], keys)
    probe.get()
    probe.get((("limit", "7"),))
    assert len(repr(probe)) < 100
    assert "lk_probe_SECRET_1" not in repr(probe.keys)
