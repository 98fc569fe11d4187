"""The live part of the proof: the suite against the reference while its list changes
(`--reference-live`), and the faults that only a changing list shows. Each case is a whole
suite run in its own process, like `test_faults.py`."""

import pytest

from layers_conformance.reference.dataset import build_dataset
from layers_conformance.reference.faults import FAULTS, LIVE_FAULTS
from layers_conformance.reference.live import LiveSettings, LiveWriter
from layers_conformance.reference.store import Store
from layers_conformance.selftest import SELFTEST_SEED, all_cases, run_case

# About one change every 10 requests, and one every 2.
RATES = (10, 2)


@pytest.mark.parametrize("concurrency", [1, 8])
@pytest.mark.parametrize("rate", RATES)
def test_the_suite_passes_the_live_reference(rate, concurrency):
    """A conformant server whose list is created, archived and moved while the run reads it
    passes `standard` (TRAV-NODUP-001, ORDER-NEWEST-001 and the rest still judged), one
    request at a time or eight; the other profiles and seeds: `python bench/live.py`."""
    result = run_case("reference", "clean", (), live=rate, concurrency=concurrency)
    assert result.ok, f"verdict {result.verdict}; broken: {result.broken}; {result.problem}"
    # The report lists the changes it saw, each one the server made, and what they narrowed.
    made = server_changes(rate, result.requests)
    assert result.changes
    assert {(kind, ident) for kind, ident, _ in result.changes} <= made
    assert all(narrowed for *_, narrowed in result.changes)


def server_changes(rate, requests):
    """The changes the live reference made in a run of `requests` requests: its writer
    depends on the seed and the request count alone, so it can be run again here."""
    dataset = build_dataset()
    writer = LiveWriter(dataset, Store(dataset), LiveSettings(rate, SELFTEST_SEED))
    for _ in range(requests):
        writer.on_request()
    return {(change.kind, change.influencer_id) for change in writer.changes}


@pytest.mark.parametrize("name", sorted(LIVE_FAULTS))
def test_a_live_only_fault_passes_on_a_still_list(name):
    """On a list that stands still the fault answers as the reference does: no finding."""
    result = run_case(name, "variant", ())
    assert result.ok, f"verdict {result.verdict}; broken: {result.broken}; {result.problem}"


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", sorted(LIVE_FAULTS))
def test_a_live_only_fault_is_caught_on_a_live_list(name, rate):
    """With the reference live, every requirement the fault declares is reported broken."""
    fault = LIVE_FAULTS[name]
    result = run_case(name, "fault", fault.breaks, live=rate)
    assert result.ok, f"missed {result.missed}; reported broken: {result.broken}; {result.problem}"


# One fault of each kind that compares observations (ordering, traversal, status, archived):
# a list in use must not hide them. The whole catalogue live:
# `layers-conformance selftest --live 10`.
LIVE_SAMPLE = (
    "oldest_first",
    "order_within_page_only",
    "tie_skipped_at_boundary",
    "previous_last_repeated",
    "lookahead_item_dropped",
    "status_ignored",
    "status_failed_never_matches",
    "archived_leak_unfiltered",
    "archived_leak_after_first_page",
)


@pytest.mark.parametrize("name", LIVE_SAMPLE)
def test_a_fault_is_still_caught_on_a_live_list(name):
    """With the reference live (one change in 10 requests), the fault is reported broken on
    every requirement it declares."""
    fault = FAULTS[name]
    result = run_case(name, "fault", fault.breaks, live=10)
    assert result.ok, f"missed {result.missed}; reported broken: {result.broken}; {result.problem}"


def test_selftest_live_runs_the_live_only_faults_too():
    """`layers-conformance selftest --live RATE` adds the live-only faults to its cases; a
    still selftest leaves them out (they are no faults on a still list)."""
    still = {name for name, *_ in all_cases()}
    live = {name for name, *_ in all_cases(live=True)}
    assert live - still == set(LIVE_FAULTS)
