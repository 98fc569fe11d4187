"""`layers-conformance diff`: each kind of change, the output, and the exit status."""

from __future__ import annotations

import json

import pytest

from layers_conformance.reporting.diff import Change, compare, format_comparison, main


def report(*entries: tuple[str, str, str], verdict: str = "pass") -> dict:
    """A minimal report from (id, level, status) triples."""
    requirements = [{"id": i, "level": level, "status": status} for i, level, status in entries]
    return {"verdict": verdict, "requirements": requirements}


class TestCompare:
    def test_identical_reports(self):
        """Nothing changed, nothing listed."""
        same = report(("A", "MUST", "fail"), ("B", "SHOULD", "warn"))
        comparison = compare(same, same)
        assert all(not changes for changes in vars(comparison).values())

    @pytest.mark.parametrize(
        ("before", "after", "kind"),
        [
            ("pass", "fail", "newly_failing"),
            ("warn", "fail", "newly_failing"),
            ("skip", "fail", "newly_failing"),
            ("pass", "warn", "newly_warning"),
            ("fail", "warn", "newly_warning"),
            ("fail", "pass", "newly_passing"),
            ("warn", "pass", "newly_passing"),
            ("pass", "skip", "other_status"),
            ("fail", "inconclusive", "other_status"),
            ("skip", "pass", "other_status"),
            ("waived", "fail", "newly_failing"),  # the waiver expired
            ("flaky", "fail", "newly_failing"),
            ("fail", "waived", "newly_waived"),
            ("pass", "waived", "newly_waived"),
            ("pass", "flaky", "newly_flaky"),
            ("fail", "flaky", "newly_flaky"),
            ("waived", "pass", "newly_passing"),
            ("flaky", "pass", "newly_passing"),
            ("inconclusive", "flaky", "newly_flaky"),
        ],
    )
    def test_status_change_kinds(self, before, after, kind):
        """Each status transition lands in exactly one kind."""
        comparison = compare(report(("A", "MUST", before)), report(("A", "MUST", after)))
        listed = {name for name, changes in vars(comparison).items() if changes}
        assert listed == {kind}
        assert getattr(comparison, kind) == (Change("A", before, after),)

    def test_level_changed(self):
        """A requirement whose level changed is listed with both levels."""
        comparison = compare(report(("A", "SHOULD", "pass")), report(("A", "MUST", "pass")))
        assert comparison.level_changed == (Change("A", "SHOULD", "MUST"),)

    def test_appeared_and_disappeared(self):
        """Requirements in one report only are listed with their status."""
        comparison = compare(report(("OLD", "MUST", "pass")), report(("NEW", "MUST", "skip")))
        assert comparison.appeared == (Change("NEW", "", "skip"),)
        assert comparison.disappeared == (Change("OLD", "pass", ""),)
        assert comparison.newly_failing == comparison.other_status == ()

    def test_new_requirement_that_fails_is_newly_failing(self):
        """A failing requirement the old report did not have is a new failure too."""
        comparison = compare(report(), report(("NEW", "MUST", "fail")))
        assert comparison.newly_failing == comparison.appeared == (Change("NEW", "", "fail"),)

    def test_order_follows_the_new_report(self):
        """Changes are listed in the new report's order, then what only the old one had."""
        old = report(("B", "MUST", "pass"), ("A", "MUST", "pass"), ("GONE", "MUST", "fail"))
        new = report(("A", "MUST", "fail"), ("B", "MUST", "fail"))
        comparison = compare(old, new)
        assert [c.id for c in comparison.newly_failing] == ["A", "B"]
        assert [c.id for c in comparison.disappeared] == ["GONE"]


class TestFormat:
    def test_lists_each_kind_with_a_count(self):
        """Every non-empty kind gets a titled block; the verdict change comes first."""
        old = report(("A", "MUST", "pass"), ("B", "SHOULD", "pass"), ("C", "MUST", "pass"))
        new = report(("A", "MUST", "fail"), ("B", "MUST", "pass"), verdict="fail")
        lines = format_comparison(compare(old, new), old, new).splitlines()
        assert lines[0] == "verdict: pass -> fail"
        assert "newly failing (1):" in lines
        assert "level changed (1):" in lines
        assert "disappeared (1):" in lines
        assert "  C                          pass -> (absent)" in lines

    def test_no_changes(self):
        """An empty comparison says so rather than printing nothing."""
        same = report(("A", "MUST", "pass"))
        text = format_comparison(compare(same, same), same, same)
        assert text.splitlines()[1] == "no requirement changed status or level"


class TestMain:
    @pytest.fixture
    def write(self, tmp_path):
        def write(name: str, content: dict | str) -> str:
            path = tmp_path / name
            text = content if isinstance(content, str) else json.dumps(content)
            path.write_text(text, encoding="utf-8")
            return str(path)

        return write

    def test_exit_1_when_something_newly_fails(self, write, capsys):
        """A new failure fails the diff, and is printed."""
        old = write("old.json", report(("A", "MUST", "pass")))
        new = write("new.json", report(("A", "MUST", "fail"), verdict="fail"))
        assert main([old, new]) == 1
        assert "newly failing (1):" in capsys.readouterr().out

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ("pass", "warn"),
            ("fail", "pass"),
            ("fail", "fail"),
            ("pass", "flaky"),
            ("fail", "waived"),
        ],
    )
    def test_exit_0_otherwise(self, write, before, after):
        """Warnings, fixes and unchanged failures do not fail the diff."""
        old = write("old.json", report(("A", "SHOULD", before)))
        new = write("new.json", report(("A", "SHOULD", after)))
        assert main([old, new]) == 0

    def test_a_run_that_could_not_finish_is_not_newly_failing(self, write, capsys):
        """pass -> incomplete (a requirement left inconclusive) is said, and exits 0."""
        old = write("old.json", report(("A", "MUST", "pass")))
        new = write("new.json", report(("A", "MUST", "inconclusive"), verdict="incomplete"))
        assert main([old, new]) == 0
        out = capsys.readouterr().out
        assert out.startswith("verdict: pass -> incomplete\n")
        assert "newly failing" not in out

    @pytest.mark.parametrize("content", ["{nope", '{"verdict": "pass"}', "[]"])
    def test_exit_2_on_invalid_file(self, write, capsys, content):
        """A file that is not a report is named in one line on stderr."""
        bad = write("bad.json", content)
        assert main([write("good.json", report()), bad]) == 2
        error = capsys.readouterr().err
        assert error.startswith(f"layers-conformance diff: {bad}: not a conformance report")
        assert error.count("\n") == 1

    def test_exit_2_on_missing_file(self, write, tmp_path, capsys):
        """A missing file is reported, not raised."""
        assert main([write("good.json", report()), str(tmp_path / "absent.json")]) == 2
        assert "cannot read the report" in capsys.readouterr().err
