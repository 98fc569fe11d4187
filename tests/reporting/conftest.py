"""Hand-built results for the report writers: a factory per result type and a failing run."""

from __future__ import annotations

from dataclasses import replace

import pytest

from layers_conformance.core.results import (
    Cell,
    Column,
    Divergence,
    Evidence,
    FieldRow,
    RequirementResult,
    RunResult,
)

HOSTILE = "<script>alert(1)</script>"


def _make_result(ident: str, status: str = "pass", **overrides) -> RequirementResult:
    """A requirement result with plausible defaults; `overrides` replace any field."""
    result = RequirementResult(
        id=ident,
        level="MUST",
        area="limit",
        statement=f"The statement of {ident}.",
        section="Query parameters",
        quote="limit — integer, optional, default: 25. Page size, 1-100.",
        ambiguity="",
        status=status,  # type: ignore[arg-type]
        tests=1,
    )
    return replace(result, **overrides)


def _make_evidence(**overrides) -> Evidence:
    """Evidence of a page that is larger than its limit."""
    evidence = Evidence(
        test="suites/test_limit.py::test_no_page_exceeds_limit[7]",
        message="page 1 holds 8 items, more than limit=7",
        expected="at most 7 items",
        actual="8 items",
        request="GET http://127.0.0.1:8000/v1/projects/p1/influencers?limit=7",
        response_excerpt=f'HTTP 200 application/json\n{{"items": [], "name": "{HOSTILE}"}}',
        curl="curl -sS -i 'http://127.0.0.1:8000/v1/projects/p1/influencers?limit=7'",
    )
    return replace(evidence, **overrides)


def _make_run(*requirements: RequirementResult, **overrides) -> RunResult:
    """A run of the given results on the reference server."""
    run = RunResult(
        suite_version="0.1.0",
        spec_sha256="ab" * 32,
        target="reference",
        base_url="http://127.0.0.1:8000",
        profile="quick",
        seed=1234,
        started_at="2026-04-01T14:22:10Z",
        duration_s=12.3456,
        requests=321,
        requirements=requirements,
    )
    return replace(run, **overrides)


@pytest.fixture
def make_result():
    """The requirement result factory (a fixture, so test modules need not import conftest)."""
    return _make_result


@pytest.fixture
def make_evidence():
    """The evidence factory."""
    return _make_evidence


@pytest.fixture
def make_run():
    """The run factory."""
    return _make_run


@pytest.fixture
def failing_run() -> RunResult:
    """One requirement of every status: a MUST fails, a SHOULD warns, some are ambiguous."""
    return _make_run(
        _make_result("LIMIT-MAX-001", "fail", evidence=(_make_evidence(),)),
        _make_result(
            "LIMIT-FULL-001",
            "warn",
            level="SHOULD",
            ambiguity="A short page mid-traversal is a warning.",
            evidence=(_make_evidence(message="page 2 holds 6 items", expected="7", actual="6"),),
        ),
        _make_result("AUTH-MISSING-001", "pass", area="auth", ambiguity="No status for 401."),
        _make_result("AUTH-SCOPE-001", "skip", area="auth", reason="no key_without_scope"),
        _make_result("LIMIT-DEFAULT-001", "inconclusive", reason="only 3 influencers"),
    )


def _divergence() -> Divergence:
    """limit=7 skips inf_c, tied with inf_b, the last item of page 1; an id and a cursor hostile."""

    def cell(ident, page, position, tie, **fields):
        return Cell(ident, f"2026-04-01T14:0{tie}:00Z", page, position, tie, tie == 2, **fields)

    wide = (
        cell("inf_a", 1, 1, 1, cursor=""),
        cell("inf_b", 1, 2, 2),
        cell("inf_c", 1, 3, 2, mark="missing"),
        cell(HOSTILE, 1, 4, 3),
    )
    narrow = (
        cell("inf_a", 1, 1, 1, cursor=""),
        cell("inf_b", 1, 2, 2),
        None,
        cell(HOSTILE, 2, 1, 3, cursor=f"c1{HOSTILE}"),
    )
    return Divergence(
        7,
        2,
        "inf_c",
        (
            Column("limit=100", wide, "the end: page 1 says nextCursor null"),
            Column("limit=7", narrow),
        ),
    )


@pytest.fixture
def drawn_run() -> RunResult:
    """A failed traversal drawn as a divergence, and a failed error drawn as a field diff."""
    sequence = _make_evidence(
        message="at limit=7 the item inf_c never appears", divergence=_divergence()
    )
    fields = (
        FieldRow("HTTP status", "4xx", "200", True),
        FieldRow("error.code", '"VALIDATION"', HOSTILE, True),
        FieldRow("error.message", "non-empty string", '"fine"', False),
    )
    error = _make_evidence(message="expected VALIDATION", field_diff=fields)
    return _make_run(
        _make_result("TRAV-CONSISTENT-001", "fail", area="traversal", evidence=(sequence,)),
        _make_result("LIMIT-RANGE-001", "fail", evidence=(error,)),
    )
