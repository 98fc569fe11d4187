"""Selection by requirement: ids from the command line, or the failures of an earlier report."""

from __future__ import annotations

import json

import pytest

from layers_conformance.core.targets import ConfigError
from layers_conformance.run.selection import select_requirements

KNOWN = ("ORDER-NEWEST-001", "TRAV-PAGING-001", "LIMIT-MAX-001", "LIMIT-DEFAULT-001")


def report(tmp_path, **statuses):
    entries = [
        {"id": i.replace("_", "-"), "level": "MUST", "status": s} for i, s in statuses.items()
    ]
    path = tmp_path / "conformance.json"
    path.write_text(json.dumps({"verdict": "fail", "requirements": entries}), encoding="utf-8")
    return path


def test_nothing_asked_selects_everything():
    assert select_requirements([], None, KNOWN) is None


def test_ids_comma_separated_or_repeated():
    """`--requirement A,B --requirement C` selects all three; blanks are ignored."""
    chosen = select_requirements(
        ["ORDER-NEWEST-001, TRAV-PAGING-001", "LIMIT-MAX-001"], None, KNOWN
    )
    assert chosen == frozenset({"ORDER-NEWEST-001", "TRAV-PAGING-001", "LIMIT-MAX-001"})


def test_an_unknown_id_is_one_line_with_a_suggestion():
    with pytest.raises(ConfigError) as raised:
        select_requirements(["ORDER-NEWST-001"], None, KNOWN)
    assert str(raised.value) == (
        "--requirement: unknown requirement id 'ORDER-NEWST-001' (did you mean 'ORDER-NEWEST-001'?)"
    )


def test_rerun_failed_takes_what_did_not_hold(tmp_path):
    """fail, flaky, waived and inconclusive are rerun; pass, warn and skip are not."""
    path = report(
        tmp_path,
        ORDER_NEWEST_001="fail",
        TRAV_PAGING_001="inconclusive",
        LIMIT_MAX_001="flaky",
        LIMIT_DEFAULT_001="waived",
        A="pass",
        B="warn",
        C="skip",
    )
    assert select_requirements([], path, KNOWN) == frozenset(KNOWN)


def test_rerun_failed_of_a_clean_report_selects_nothing(tmp_path):
    assert select_requirements([], report(tmp_path, ORDER_NEWEST_001="pass"), KNOWN) == frozenset()


def test_both_together_are_the_union(tmp_path):
    path = report(tmp_path, ORDER_NEWEST_001="fail")
    assert select_requirements(["LIMIT-MAX-001"], path, KNOWN) == {
        "ORDER-NEWEST-001",
        "LIMIT-MAX-001",
    }


def test_a_requirement_the_catalogue_no_longer_has_is_ignored(tmp_path):
    """An old report may name a requirement since removed: it cannot be rerun."""
    assert select_requirements([], report(tmp_path, GONE_001="fail"), KNOWN) == frozenset()


@pytest.mark.parametrize("content", ["{nope", "[]"])
def test_a_file_that_is_not_a_report_is_one_line(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"^--rerun-failed: .*bad\.json: not a conformance report"
    ):
        select_requirements([], path, KNOWN)
