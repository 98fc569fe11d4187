"""The end of a run in the terminal: quiet about what the profile left out, loud about cuts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from layers_conformance.core.results import RequirementResult, RunResult, Spent, Traffic
from layers_conformance.core.stops import StopKind
from layers_conformance.run.finish import raise_hint, summary_lines
from layers_conformance.run.options import Options

OPTIONS = Options("reference", None, "smoke", Path("reports"), 1)


def result(ident: str, status: str = "pass", reason: str = "") -> RequirementResult:
    return RequirementResult(ident, "MUST", "area", "statement", "S", "q", "", status, 1, reason)  # type: ignore[arg-type]


def run(*requirements: RequirementResult, **overrides: object) -> RunResult:
    made = RunResult("0.1", "ab", "reference", "http://x", "smoke", 1, "t", 1.0, 17, requirements)
    return replace(made, **overrides)  # type: ignore[arg-type]


def test_requirements_left_out_by_the_profile_are_one_line():
    """Nineteen skips for one reason are one summary line, not nineteen."""
    left_out = [result(f"X-{n:03d}", "skip", "not part of the smoke profile") for n in range(19)]
    lines = summary_lines(run(result("A-001"), *left_out), OPTIONS)
    said = [line for line in lines if "not part of the smoke profile" in line]
    assert said == ["SKIP         19 requirements: not part of the smoke profile"]


def test_a_lone_skip_keeps_its_own_line():
    lines = summary_lines(run(result("A-001", "skip", "no key_without_scope")), OPTIONS)
    assert "SKIP         A-001 (MUST): no key_without_scope" in lines


def test_progress_of_the_budget_in_the_verdict_line():
    lines = summary_lines(run(result("A-001"), budget=60), OPTIONS)
    assert lines[-2].startswith("verdict: PASS (17/60 requests")


def test_a_cut_run_says_what_to_raise_and_who_spent():
    """When the budget cut the run, the terminal names the limit and the biggest spenders."""
    spending = tuple(Spent(f"suites/t.py::t{n}", "A-001", 100 - n) for n in range(12))
    cut = run(
        result("A-001", "inconclusive", "request budget of 30 requests is spent"),
        budget=30,
        spending=spending,
        raise_hint=raise_hint({StopKind.BUDGET}, OPTIONS, 30),
    )
    lines = summary_lines(cut, OPTIONS)
    assert any(line.startswith("cut short: the request budget of 30 ran out") for line in lines)
    assert "     100  suites/t.py::t0 (A-001)" in lines
    assert "  … 4 more tests in conformance.json" in lines


def test_no_hint_when_nothing_was_cut():
    assert raise_hint(set(), OPTIONS, 60) == ""
    assert "--deadline" in raise_hint({StopKind.DEADLINE}, OPTIONS, 60)


def test_findings_come_root_first():
    """A requirement judged on one observation by itself comes before one that compares two:
    the reader starts at the walk that broke the page, not at a right page compared with it."""
    lines = summary_lines(
        run(result("LIMIT-SIZE-001", "fail", "size"), result("TRAV-NODUP-001", "fail", "twice")),
        OPTIONS,
    )
    assert lines[0].startswith("FAIL         TRAV-NODUP-001")
    assert lines[1].startswith("FAIL         LIMIT-SIZE-001")


def test_what_the_targets_refusals_cost_is_one_line():
    """Retries by cause, the time waited, the rate reached and the rate that would have
    avoided the waits; nothing is said of a target that refused nothing."""
    traffic = Traffic((("429", 40), ("502", 3)), 12.5, 9.0)
    lines = summary_lines(run(result("A-001"), traffic=traffic, duration_s=10.0), OPTIONS)
    assert (
        "the target refused or shed requests: 43 sent again (40 after HTTP 429, 3 after "
        "HTTP 502); 12.5 s spent waiting; 6 requests/s in all; rate_limit_rps: 9 would have "
        "avoided the waits"
    ) in lines
    assert not [
        line for line in summary_lines(run(result("A-001")), OPTIONS) if "sent again" in line
    ]
