"""Waivers: a known deviation accepted until a date, loaded strictly and applied to the
folded results (a failing requirement becomes `waived`; a stale waiver is reported)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from layers_conformance.core.results import RequirementResult, Waiver
from layers_conformance.core.targets import ConfigError
from layers_conformance.run.waivers import WaiverBook, load_waivers

TODAY = date(2026, 6, 1)
KNOWN = {"ORDER-NEWEST-001", "TRAV-PAGING-001", "LIMIT-MAX-001"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(requirement="ORDER-NEWEST-001", expires="2026-12-31", **more) -> str:
    lines = [
        f"  - requirement: {requirement}",
        "    reason: fix in API-123",
        f"    expires: {expires}",
    ]
    return "\n".join(lines + [f"    {k}: {v}" for k, v in more.items()]) + "\n"


def result(ident="ORDER-NEWEST-001", status="fail") -> RequirementResult:
    return RequirementResult(ident, "MUST", "order", "statement", "Section", "quote", "", status, 1)


def waiver(ident="ORDER-NEWEST-001", expires=date(2026, 12, 31), target="") -> Waiver:
    return Waiver(ident, "fix in API-123", expires, target, "waivers.yaml")


class TestLoad:
    def test_a_valid_file(self, tmp_path):
        """Each entry becomes a Waiver with its date, target and file."""
        path = write(tmp_path, "waivers:\n" + entry() + entry("LIMIT-MAX-001", target="staging"))
        loaded = load_waivers(path, KNOWN)
        assert [w.requirement for w in loaded] == ["ORDER-NEWEST-001", "LIMIT-MAX-001"]
        assert loaded[0].expires == date(2026, 12, 31)
        assert (loaded[0].target, loaded[1].target) == ("", "staging")
        assert loaded[0].source == str(path)

    def test_a_quoted_date_is_read_too(self, tmp_path):
        """`expires: "2026-12-31"` (a string in YAML) is the same date."""
        loaded = load_waivers(write(tmp_path, "waivers:\n" + entry(expires='"2026-12-31"')), KNOWN)
        assert loaded[0].expires == date(2026, 12, 31)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("waivers:\n" + entry("ORDER-NEWST-001"), "unknown requirement id 'ORDER-NEWST-001'"),
            ("waivers:\n" + entry(expires="next week"), "expires='next week' must be a date"),
            ("waivers:\n" + entry(expiry="2026-01-01"), "unknown key 'expiry'"),
            ("waivers:\n  - requirement: ORDER-NEWEST-001\n", "missing required key 'reason'"),
            ("waivers:\n" + entry().replace("fix in API-123", "''"), "reason must be"),
            ("waivers: {}\n", "'waivers' must be a list"),
            ("- a\n", "the top level must be a mapping with a 'waivers' key"),
            ("waivers: [\n", "malformed YAML"),
            ("waivers:\n" + entry() + entry(), "ORDER-NEWEST-001 is waived twice"),
        ],
    )
    def test_a_bad_file_is_one_line_naming_the_file(self, tmp_path, text, problem):
        """Every problem is a ConfigError: one line, the file, the entry, the rule."""
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as raised:
            load_waivers(path, KNOWN)
        message = str(raised.value)
        assert "\n" not in message
        assert message.startswith(str(path))
        assert problem in message

    def test_a_missing_file(self, tmp_path):
        with pytest.raises(ConfigError, match="cannot read"):
            load_waivers(tmp_path / "nope.yaml", KNOWN)


class TestActive:
    def test_valid_through_its_expiry_date(self):
        """A waiver holds on the day it expires, and not the day after."""
        book = WaiverBook((waiver(expires=TODAY),), "staging", TODAY)
        assert book.active("ORDER-NEWEST-001") == waiver(expires=TODAY)
        later = WaiverBook((waiver(expires=TODAY),), "staging", date(2026, 6, 2))
        assert later.active("ORDER-NEWEST-001") is None

    def test_a_waiver_for_another_target_does_not_apply(self):
        book = WaiverBook((waiver(target="production"),), "staging", TODAY)
        assert book.active("ORDER-NEWEST-001") is None
        assert book.apply((result(),)) == ((result(),), ())


class TestApply:
    def test_a_failing_requirement_is_waived(self):
        """The result becomes `waived`, keeps its reason and evidence, and carries the waiver."""
        book = WaiverBook((waiver(),), "staging", TODAY)
        (applied,), (use,) = book.apply((result(),))
        assert (applied.status, applied.waiver) == ("waived", waiver())
        assert use.use == "applied"

    def test_tests_already_marked_waived_get_their_waiver(self):
        """The plugin marks covered tests `waived`; the folded result carries the waiver."""
        (applied,), (use,) = WaiverBook((waiver(),), "", TODAY).apply((result(status="waived"),))
        assert (applied.status, applied.waiver, use.use) == ("waived", waiver(), "applied")

    def test_a_flaky_requirement_is_waived_too(self):
        """A waived deviation that showed only once is still the known deviation."""
        (applied,), _ = WaiverBook((waiver(),), "", TODAY).apply((result(status="flaky"),))
        assert applied.status == "waived"

    @pytest.mark.parametrize("status", ["pass", "warn", "skip", "inconclusive"])
    def test_a_waiver_that_matched_nothing_is_unused(self, status):
        """The requirement holds (or was not shown to fail): the waiver can be removed."""
        results, (use,) = WaiverBook((waiver(),), "", TODAY).apply((result(status=status),))
        assert results == (result(status=status),)
        assert use.use == "unused"

    def test_an_expired_waiver_is_not_applied_and_reported(self):
        """After its date a waiver changes nothing, and says so."""
        book = WaiverBook((waiver(expires=date(2026, 5, 31)),), "", TODAY)
        results, (use,) = book.apply((result(),))
        assert results == (result(),)
        assert use.use == "expired"
