"""`layers-conformance history`: runs over time for one target, the fleet's latest runs."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from nightly import REGRESSED, nightly_run, write_nights

from layers_conformance import cli
from layers_conformance.reporting.history import load_runs, render_history
from layers_conformance.reporting.json_report import write_json

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def nights(tmp_path):
    return write_nights(tmp_path / "nights")


@pytest.fixture
def page(nights) -> str:
    return render_history(load_runs([nights[0].parents[1]]))


def row(page: str, ident: str) -> str:
    match = re.search(rf'<tr id="row-production-{ident}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {ident}"
    return match.group(1)


def cells(row_html: str) -> list[str]:
    return re.findall(r'<td class="cell (\w+)"', row_html)


class TestLoad:
    def test_a_folder_is_searched_for_reports_in_run_order(self, nights, tmp_path):
        """Every conformance.json under a folder is read, oldest run first."""
        runs = load_runs([tmp_path])
        assert [run.started_at[:10] for run in runs] == [f"2026-11-{d:02d}" for d in range(1, 11)]

    def test_only_conformance_reports_are_taken_from_a_folder(self, nights, tmp_path):
        """Other JSON beside them (Allure's results, say) is not a report and is left alone."""
        (tmp_path / "nights" / "allure-results").mkdir()
        (tmp_path / "nights" / "allure-results" / "x-result.json").write_text("{}")
        assert len(load_runs([tmp_path])) == 10

    def test_files_and_folders_mix(self, nights):
        runs = load_runs([nights[9], nights[0].parent])
        assert [run.started_at[:10] for run in runs] == ["2026-11-01", "2026-11-10"]


class TestOneTarget:
    def test_one_row_per_requirement_one_cell_per_night(self, page):
        """The matrix reads left to right, oldest night first."""
        assert cells(row(page, "ORDER-NEWEST-001")) == ["pass"] * 6 + ["fail"] * 4
        assert (
            cells(row(page, "QUERY-VALIDATION-001")) == ["pass"] * 6 + ["fail"] * 2 + ["waived"] * 2
        )
        assert cells(row(page, "LIMIT-DEFAULT-001"))[3] == "flaky"
        assert set(cells(row(page, "SHAPE-ID-PREFIX-001"))) == {"warn"}

    def test_when_each_requirement_first_failed(self, page):
        """A requirement that failed names its first failing night; one that never did, none."""
        assert '<td class="first">2026-11-07</td>' in row(page, "ORDER-NEWEST-001")
        assert '<td class="first"></td>' in row(page, "LIMIT-MAX-001")

    def test_the_regression_is_named_above_the_matrix(self, page):
        """What broke since it last held is listed first, with the night it broke."""
        listed = re.search(r'<ul class="regressions">(.*?)</ul>', page, re.S)
        assert listed
        for ident in REGRESSED[:2]:
            assert f"{ident} (MUST) fails since 2026-11-07 (run 7 of 10)" in listed.group(1)

    def test_requests_and_durations_over_time(self, page):
        """A row each, one value per night, drawn as a bar."""
        requests = re.search(r'<tr class="requests">(.*?)</tr>', page, re.S)
        assert requests
        assert re.findall(r"<span>(\d+)</span>", requests.group(1))[:2] == ["229", "230"]
        assert 'class="bar"' in requests.group(1)
        assert re.search(r'<tr class="duration">.*?<span>1\.6 s</span>', page, re.S)

    def test_a_cell_says_its_status_in_words_too(self, page):
        """Colour is not the only signal: each cell has a symbol and a title."""
        assert re.search(
            r'<td class="cell fail" title="ORDER-NEWEST-001, 2026-11-07 03:00: fail[^"]*">✗</td>',
            page,
        )

    def test_a_run_that_could_not_finish_is_incomplete_not_a_regression(self, tmp_path):
        """A night cut short (a requirement inconclusive, the run aborted) says INCOMPLETE
        in the verdict row, and nothing is listed as failing since."""
        held, cut = nightly_run(1), nightly_run(2)
        undecided = replace(cut.requirements[0], status="inconclusive", reason="deadline")
        cut = replace(
            cut, requirements=(undecided, *cut.requirements[1:]), aborted="the deadline passed"
        )
        write_json(held, tmp_path / "1" / "conformance.json")
        write_json(cut, tmp_path / "2" / "conformance.json")
        page = render_history(load_runs([tmp_path]))
        verdicts = re.search(r'<tr class="verdicts">(.*?)</tr>', page, re.S)
        assert verdicts
        assert re.findall(r'<td class="verdict (\w+)">(\w+)</td>', verdicts.group(1)) == [
            ("pass", "PASS"),
            ("incomplete", "INCOMPLETE"),
        ]
        assert '<ul class="regressions">' not in page


class TestFleet:
    def test_latest_run_of_each_target(self, tmp_path):
        """Several targets: a targets x requirements matrix of each one's latest run."""
        for night in (6, 7):
            write_json(
                nightly_run(night, "staging"), tmp_path / f"conformance-staging-{night}.json"
            )
        write_json(nightly_run(3, "production"), tmp_path / "p" / "conformance.json")
        page = render_history(load_runs([tmp_path]))
        fleet = re.search(r'<table class="fleet">(.*?)</table>', page, re.S)
        assert fleet
        staging = re.search(r'<tr id="fleet-staging">(.*?)</tr>', fleet.group(1), re.S)
        production = re.search(r'<tr id="fleet-production">(.*?)</tr>', fleet.group(1), re.S)
        assert staging
        assert production
        assert cells(staging.group(1)).count("fail") == 3  # night 7: the regression
        assert cells(production.group(1)).count("fail") == 0
        assert 'id="row-staging-ORDER-NEWEST-001"' in page  # its own history: two runs
        assert 'id="row-production-' not in page  # one run: nothing over time to show


class TestSafety:
    def test_everything_from_a_report_is_escaped(self, tmp_path):
        run = nightly_run(7, HOSTILE)
        hostile = replace(run.requirements[0], id=HOSTILE, reason=HOSTILE)
        hostile_run = replace(run, requirements=(hostile, *run.requirements[1:]))
        write_json(hostile_run, tmp_path / "conformance.json")
        page = render_history(load_runs([tmp_path]))
        assert "<script" not in page
        assert "&lt;script&gt;" in page

    def test_no_script_and_no_network(self, page):
        assert "Content-Security-Policy" in page
        assert "default-src 'none'" in page
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


class TestCommand:
    def test_writes_the_page_and_says_where(self, nights, tmp_path, capsys):
        out = tmp_path / "history.html"
        assert cli.main(["history", str(tmp_path / "nights"), f"--output={out}"]) == 0
        assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
        assert capsys.readouterr().out.strip() == f"history: 10 runs of 1 target -> {out}"

    def test_a_file_that_is_not_a_report_is_one_line(self, tmp_path, capsys):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"verdict": "maybe"}), encoding="utf-8")
        assert cli.main(["history", str(bad), f"--output={tmp_path / 'h.html'}"]) == 2
        error = capsys.readouterr().err
        assert error.startswith(f"layers-conformance history: {bad}: not a conformance report")
        assert error.count("\n") == 1

    def test_a_folder_without_reports_is_one_line(self, tmp_path, capsys):
        assert cli.main(["history", str(tmp_path), f"--output={tmp_path / 'h.html'}"]) == 2
        assert "no conformance.json" in capsys.readouterr().err
