"""The live part of the proof: the suite against the reference while its list changes
(`--reference-live`), and the faults that only a changing list shows. Each case is a whole
suite run in its own process, like `test_faults.py`."""

import pytest

from layers_conformance.reference.faults import LIVE_FAULTS
from layers_conformance.selftest import run_case

# About one change every 10 requests, and one every 2.
RATES = (10, 2)


@pytest.mark.parametrize("rate", RATES)
def test_the_suite_passes_the_live_reference(rate):
    """A conformant server whose list is created, archived and moved while the run reads it
    passes `standard` (TRAV-NODUP-001, ORDER-NEWEST-001 and the rest still judged)."""
    result = run_case("reference", "clean", (), live=rate)
    assert result.ok, f"verdict {result.verdict}; broken: {result.broken}; {result.problem}"


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
