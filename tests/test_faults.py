"""The proof: the suite kills every fault on the requirements it declares, and passes the
clean reference and every conformant variant. Each case is a whole suite run in its own
process (about 5-10 s), made once per session whichever tests read it (`case_of`); run this
module with `-n 2` to halve its wall time.

What "kills" means: every requirement a fault declares is reported broken. A fault may be
reported on more only where its own answers break more (a wrong order also breaks paging,
say), which it declares as `also`; never on a requirement whose finding only compares a right
page with its wrong one. The combination faults must be reported on exactly what they
declare, since their declaration says where a combination is caught."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict

import pytest

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.plugin import DEFAULT_CONCURRENCY
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reference.faults import FAULTS, VARIANTS, combinations
from layers_conformance.selftest import CaseResult, run_case

COMBINATIONS = {fault.name: fault for fault in combinations.ALL}
CaseOf = Callable[..., CaseResult]


@pytest.fixture(scope="session")
def case_of(tmp_path_factory: pytest.TempPathFactory) -> CaseOf:
    """`run_case`, made once per session for each case and concurrency, and shared by every
    test that reads it, in every pytest-xdist worker: each result is a file under the
    session's temporary directory, written by the first worker that asks (under a lock the
    others wait on)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # a worker's folder is one of the session's
    cache = root / "fault-runs"
    cache.mkdir(exist_ok=True)

    def case(
        name: str, kind: str, declared: Sequence[str], concurrency: int = DEFAULT_CONCURRENCY
    ) -> CaseResult:
        path = cache / f"{name}-{kind}-{concurrency}.json"
        with path.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                made = run_case(name, kind, declared, concurrency=concurrency)
                path.write_text(json.dumps(asdict(made)), encoding="utf-8")
            data = json.loads(path.read_text(encoding="utf-8"))
        return CaseResult(
            **data | {"declared": tuple(data["declared"]), "broken": tuple(data["broken"])}
        )

    return case


def test_the_suite_passes_the_clean_reference(case_of):
    """The reference server, as the catalogue reads, gets a pass; `standard` sends every pair
    of the query space's dimensions the reference allows, within its budget."""
    result = case_of("reference", "clean", ())
    assert result.ok, f"verdict {result.verdict}; broken: {result.broken}; {result.problem}"
    assert result.unsent_pairs == 0
    assert result.requests <= PROFILES["standard"].budget


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_suite_passes_a_conformant_variant(case_of, name):
    """A server that differs only where the page leaves room is not failed."""
    result = case_of(name, "variant", ())
    assert result.ok, f"verdict {result.verdict}; broken: {result.broken}; {result.problem}"


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_a_combination_fault_is_reported_on_exactly_what_it_declares(case_of, name):
    """Each parameter fine alone, two together not: the fault is reported broken on exactly
    the requirements it declares, no more, so its declaration says where it is caught."""
    fault = COMBINATIONS[name]
    result = case_of(name, "fault", fault.breaks)
    assert set(result.broken) == set(fault.breaks), f"reported broken: {result.broken}"


@pytest.mark.parametrize("name", sorted(set(FAULTS) - set(COMBINATIONS)))
def test_the_suite_kills_the_fault_on_what_it_declares(case_of, name):
    """Every requirement the fault declares is reported broken (fail for MUST, warn for SHOULD),
    and no other than it declares it `also` breaks: a finding on a requirement the fault's
    answers do not break blames a right page (compared with a wrong one), not the one at fault."""
    fault = FAULTS[name]
    result = case_of(name, "fault", fault.breaks)
    assert result.ok, f"missed {result.missed}; reported broken: {result.broken}; {result.problem}"
    beyond = set(result.extra) - set(fault.also)
    assert not beyond, f"reported broken beyond what it declares: {sorted(beyond)}"


# One fault of each kind that compares walks, filters or pages, where an order of requests
# could matter; the whole catalogue at both: `layers-conformance selftest --concurrency 1`.
CONCURRENCY_SAMPLE = (
    "tie_skipped_at_boundary",
    "previous_last_repeated",
    "status_lost_after_cursor",
    "archived_leak_after_first_page",
    "limit_ignored_after_cursor",
    "ties_ascending_by_id",
)


@pytest.mark.parametrize("name", CONCURRENCY_SAMPLE)
def test_concurrency_changes_no_verdict(case_of, name):
    """Sending independent requests side by side finds what sending them in turn finds."""
    fault = FAULTS.get(name) or VARIANTS[name]
    kind = "fault" if name in FAULTS else "variant"
    one, eight = (case_of(name, kind, fault.breaks, concurrency=c) for c in (1, 8))
    assert (one.broken, one.verdict) == (eight.broken, eight.verdict)
    assert one.ok, one.missed
    assert eight.ok, eight.missed


def test_a_run_with_a_must_fault_fails_and_one_with_only_should_faults_passes(case_of):
    """The verdict follows the levels: a broken MUST fails the run, a broken SHOULD warns."""
    catalogue = load_catalogue()
    must = next(f for f in FAULTS.values() if any(catalogue[i].level == "MUST" for i in f.breaks))
    should = next(
        f for f in FAULTS.values() if all(catalogue[i].level == "SHOULD" for i in f.breaks)
    )
    assert case_of(must.name, "fault", must.breaks).verdict == "fail"
    assert case_of(should.name, "fault", should.breaks).verdict == "pass"


class TestTheFaultCatalogue:
    """The catalogue of faults itself: complete, and honest about what it breaks."""

    def test_every_must_requirement_is_broken_by_some_fault(self):
        """A MUST no fault breaks is untestable or has an empty test; either is a gap."""
        broken = {i for fault in FAULTS.values() for i in fault.breaks}
        unbroken = [
            r.id for r in load_catalogue().values() if r.level == "MUST" and r.id not in broken
        ]
        assert not unbroken, f"no fault breaks {unbroken}"

    def test_every_declared_id_is_in_the_catalogue(self):
        """A fault cannot claim to break a requirement that does not exist."""
        catalogue = load_catalogue()
        unknown = {
            f.name: i for f in FAULTS.values() for i in (*f.breaks, *f.also) if i not in catalogue
        }
        assert not unknown

    def test_there_are_at_least_forty_faults_each_declaring_something(self):
        """The catalogue is large enough, and no fault is a silent no-op."""
        assert len(FAULTS) >= 40
        assert all(f.breaks for f in FAULTS.values())

    def test_variants_declare_nothing(self):
        """A conformant variant breaks no requirement by definition."""
        assert all(not v.breaks for v in VARIANTS.values())
