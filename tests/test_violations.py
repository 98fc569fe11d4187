"""Violations: bounded messages, and a failure that says whether it is evidence."""

from __future__ import annotations

from layers_conformance.checks.violations import ConformanceFailure, Violation, unreadable
from layers_conformance.core.exchange import Exchange

CUT = Exchange("GET", "https://h/x", {}, status=401, error="body cut after 12 bytes")


def test_a_message_quoting_a_huge_value_stays_short():
    """A 5 MB server value makes a message of a few hundred characters, not 5 MB printed
    once per place a failure is shown."""
    violation = Violation("rule", "got " + "x" * 5_000_000)
    assert len(violation.message) < 600
    assert violation.message.endswith("more characters)")


def test_an_unreadable_answer_is_no_evidence():
    """A violation resting on an answer that could not be read says so, and decides nothing."""
    violation = unreadable("rule", "expected code X", CUT)
    assert (
        violation.message
        == "expected code X, but no readable answer: HTTP 401, body cut after 12 bytes"
    )
    assert not violation.conclusive
    assert not ConformanceFailure([violation]).conclusive


def test_evidence_comes_first_and_decides():
    """With one conclusive violation among unread ones, the failure is evidence, headed by it."""
    failure = ConformanceFailure([unreadable("a", "expected x", CUT), Violation("b", "broke")])
    assert failure.conclusive
    assert failure.violations[0].message == "broke"
