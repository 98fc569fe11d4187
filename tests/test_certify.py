"""A certification's rules: when it may start, and the verdict it gives (pass, fail, incomplete)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from layers_conformance.core.catalogue import Requirement, load_catalogue
from layers_conformance.core.results import RequirementResult, RunResult
from layers_conformance.core.targets import Auth, Fixtures, Secret, Target
from layers_conformance.run.certify import refusal, split_refusal, uncollected, verdict_lines
from layers_conformance.run.options import Options

CATALOGUE = load_catalogue()
OPTIONS = Options("partner", None, "standard", Path("reports"), 1, certify=True)
TARGET = Target(
    "partner",
    "https://api.test",
    Auth("x-api-key", Secret("k"), Secret("k2")),
    Fixtures("p1", "p2", "p3", ("inf_1",)),
    None,
    None,
    None,
)


def needing(fixture, level="MUST"):
    return [r.id for r in CATALOGUE.values() if fixture in r.fixtures and r.level == level]


class TestRefusal:
    def test_a_target_with_every_fixture_may_certify(self):
        assert refusal(OPTIONS, TARGET, CATALOGUE, []) is None

    def test_the_embedded_reference_may_certify(self):
        assert refusal(OPTIONS, None, CATALOGUE, []) is None

    def test_a_missing_fixture_names_the_musts_that_need_it(self):
        target = replace(TARGET, fixtures=replace(TARGET.fixtures, empty_project_id=None))
        problem = refusal(OPTIONS, target, CATALOGUE, [])
        assert problem == (
            "--certify needs every MUST exercised, but target 'partner' provides no "
            f"empty_project_id (needed by {', '.join(needing('empty_project_id'))})"
        )

    def test_a_fixture_only_a_should_needs_is_no_reason_to_refuse(self):
        """Only MUSTs must be exercised: a SHOULD without its fixture is reported skip."""
        should = Requirement("X-001", "area", "SHOULD", "s", "sec", "q", ("empty_project_id",))
        target = replace(TARGET, fixtures=replace(TARGET.fixtures, empty_project_id=None))
        assert refusal(OPTIONS, target, {"X-001": should}, []) is None

    @pytest.mark.parametrize("profile", ["standard", "thorough"])
    def test_standard_and_thorough_may_certify(self, profile):
        assert refusal(replace(OPTIONS, profile=profile), None, CATALOGUE, []) is None

    def test_smoke_may_not(self):
        problem = refusal(replace(OPTIONS, profile="smoke"), None, CATALOGUE, [])
        assert problem is not None
        assert "the smoke profile leaves requirements out" in problem

    def test_every_problem_is_on_the_one_line(self):
        problem = refusal(replace(OPTIONS, profile="smoke"), None, CATALOGUE, ["-k", "-m"])
        assert problem is not None
        assert "-k runs only some tests; -m runs only some tests; the smoke" in problem
        assert "\n" not in problem

    def test_several_workers_may_not(self):
        assert split_refusal(None) is None
        assert split_refusal(0) is None
        assert (
            split_refusal(2) == "--certify runs in one process: -n 2 would split it between clients"
        )


class TestUncollected:
    def test_every_must_collected_is_fine(self):
        assert uncollected(CATALOGUE, CATALOGUE) is None

    def test_a_must_without_a_test_is_named(self):
        musts = [r.id for r in CATALOGUE.values() if r.level == "MUST"]
        problem = uncollected(CATALOGUE, musts[1:])
        assert problem == (
            f"--certify needs every MUST exercised, but no test of {musts[0]} was collected"
        )


def result(ident, level, status):
    return RequirementResult(ident, level, "area", "s", "sec", "q", "", status, 1)


def run_of(*requirements, aborted="", certify=True):
    return RunResult("0.1.0", "ab" * 32, "t", "u", "standard", 1, "now", 1.0, 10,
                     requirements, aborted, certify=certify)  # fmt: skip


class TestCertificationVerdict:
    def test_every_must_passing_passes_whatever_the_shoulds(self):
        shoulds = [result(i, "SHOULD", s) for i, s in (("B", "warn"), ("C", "inconclusive"))]
        run = run_of(result("A", "MUST", "pass"), *shoulds, result("D", "SHOULD", "skip"))
        assert run.certification == "pass"

    @pytest.mark.parametrize("status", ["inconclusive", "skip"])
    def test_a_must_not_shown_leaves_it_incomplete(self, status):
        run = run_of(result("A", "MUST", "pass"), result("B", "MUST", status))
        assert run.certification == "incomplete"
        assert run.verdict == "pass"  # the run's own verdict need not say so
        assert verdict_lines(run) == ["certification: INCOMPLETE", f"  not shown: B ({status})"]

    def test_a_run_that_did_not_finish_is_incomplete(self):
        run = run_of(result("A", "MUST", "pass"), aborted="the run could not finish: budget")
        assert run.certification == "incomplete"

    def test_a_failure_fails_it_even_when_others_are_not_shown(self):
        run = run_of(result("A", "MUST", "fail"), result("B", "MUST", "inconclusive"))
        assert run.certification == "fail"
        assert verdict_lines(run)[:2] == ["certification: FAIL", "  failed: A"]

    def test_any_other_status_of_a_must_fails_it(self):
        """A MUST seen broken but reported otherwise (a waiver, a recheck) is no pass."""
        run = run_of(result("A", "MUST", "waived"), result("B", "SHOULD", "warn"))
        assert run.certification == "fail"
        assert verdict_lines(run) == ["certification: FAIL", "  failed: A (waived)"]

    def test_a_run_that_is_no_certification_has_no_certification_verdict(self):
        run = run_of(result("A", "MUST", "pass"), certify=False)
        assert run.certification is None
        assert verdict_lines(run) == []
