"""A recheck looks again with fresh requests: the probe's memory is bypassed for the one
check being rechecked, and kept intact for every other check."""

from __future__ import annotations

import json
import threading

import pytest

from layers_conformance.checks.violations import inconclusive
from layers_conformance.core.targets import Fixtures
from layers_conformance.probing.keys import Keys
from layers_conformance.probing.plan import plan_run
from layers_conformance.probing.probe import Probe
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.run.recheck import recheck


class CountingClient:
    """Answers every GET with a fresh exchange, numbered in the order asked."""

    def __init__(self, make_exchange):
        self.make_exchange = make_exchange
        self.sent = 0

    def list_influencers(self, project_id, params=(), *, credentials=None):
        self.sent += 1
        return self.make_exchange({"items": [], "nextCursor": None, "n": self.sent})


@pytest.fixture
def probe(make_exchange):
    fixtures = Fixtures("p1", None, None, None)
    plan = plan_run(PROFILES["smoke"], 60)
    return Probe(CountingClient(make_exchange), fixtures, plan, Keys(None, None))


def test_uncached_asks_again_and_forgets_afterwards(probe):
    """Inside the block a cached question is asked afresh; after it, the first answer is back."""
    first = probe.get()
    with probe.uncached() as fresh:
        again = probe.get()
        assert probe.get() is again  # memoised within the recheck
    assert again is not first
    assert list(fresh.results()) == [again]
    assert probe.get() is first
    assert probe.client.sent == 2


def test_a_recheck_that_holds_returns_its_exchanges(probe):
    """The check ran once more, after the pause, on fresh answers; they are the evidence."""
    probe.get()
    looked = recheck(lambda: probe.get(), probe, pause_s=0)
    assert looked.held
    assert [e.body_text for e in looked.exchanges] == ['{"items": [], "nextCursor": null, "n": 2}']


def test_a_recheck_that_fails_again_or_cannot_look_does_not_hold(probe):
    """Failing again, or any other end (budget, inconclusive), keeps the first failure."""

    def fails():
        probe.get()
        raise AssertionError("still broken")

    assert not recheck(fails, probe, pause_s=0).held
    assert not recheck(lambda: inconclusive("no data"), probe, pause_s=0).held


class ThreadClient:
    """Answers every GET with an exchange naming the thread that sent it."""

    def __init__(self, make_exchange):
        self.make_exchange = make_exchange
        self.requests_sent = 0
        self.lock = threading.Lock()

    def list_influencers(self, project_id, params=(), *, credentials=None):
        with self.lock:
            self.requests_sent += 1
        sender = threading.current_thread().name
        return self.make_exchange({"items": [], "nextCursor": None, "sender": sender})


def test_work_fetched_ahead_is_no_evidence_of_a_recheck(make_exchange):
    """At concurrency 8 (`--recheck` in a full run) work fetched ahead still runs while a test
    is rechecked: what it fetches meanwhile is not the recheck's fresh look, and the answers
    seen before the recheck are back after it."""
    fixtures = Fixtures("p1", None, None, None)
    plan = plan_run(PROFILES["standard"], 2000)
    probe = Probe(ThreadClient(make_exchange), fixtures, plan, Keys(None, None), concurrency=8)
    before = probe.get()
    rechecking, fetched = threading.Event(), threading.Event()

    def ahead(probe):
        rechecking.wait(5)
        probe.get((("limit", "3"),))
        fetched.set()

    probe.prefetch([ahead])
    with probe.uncached() as fresh:
        rechecking.set()
        assert fetched.wait(5)
        again = probe.get((("limit", "3"),))
    probe.close()
    assert json.loads(again.body_text)["sender"] == threading.current_thread().name
    assert fresh.results() == [again]
    assert probe.get() is before
