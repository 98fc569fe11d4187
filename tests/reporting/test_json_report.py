"""The JSON report: its exact keys, a lossless round trip, atomic writes, and the reader."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from datetime import date

import pytest

from layers_conformance.core.redaction import REDACTOR
from layers_conformance.core.results import Evidence, PairCoverage, Traffic, Waiver, WaiverOutcome
from layers_conformance.reporting import json_report
from layers_conformance.reporting.json_report import (
    ReportError,
    read_json,
    to_json,
    write_atomically,
    write_json,
)

RUN_KEYS = [
    "suite_version",
    "spec_sha256",
    "target",
    "base_url",
    "profile",
    "seed",
    "started_at",
    "duration_s",
    "verdict",
    "requests",
    "aborted",
    "stop_kind",
    "budget",
    "traffic",
    "requirements",
    "waivers",
    "coverage",
    "changes",
]
REQUIREMENT_KEYS = [
    "id", "level", "status", "tests", "reason", "area", "statement", "evidence", "waiver"
]  # fmt: skip
WAIVER = Waiver("A-001", "fixed in API-123", date(2026, 12, 31), "staging", "ci/waivers.yaml")


class TestToJson:
    def test_keys_are_the_documented_ones(self, failing_run):
        """Users' CI reads these names: they are exactly the documented ones, in order."""
        report = to_json(failing_run)
        assert list(report) == RUN_KEYS
        assert all(list(entry) == REQUIREMENT_KEYS for entry in report["requirements"])

    def test_traffic_says_what_the_targets_refusals_cost(self, failing_run):
        """Retries by cause, time waited, the rate that would have avoided it, the rate."""
        traffic = Traffic((("429", 30), ("502", 2)), 12.5, 8.1)
        report = to_json(replace(failing_run, traffic=traffic))
        assert report["traffic"] == {
            "retries": {"429": 30, "502": 2},
            "waited_s": 12.5,
            "suggested_rate_limit_rps": 8.1,
            "effective_rps": round((321 + 32) / failing_run.duration_s, 2),
        }
        assert Traffic.from_json(report["traffic"]) == traffic

    def test_values(self, failing_run):
        """Run facts and the derived verdict are carried over."""
        report = to_json(failing_run)
        assert report["verdict"] == "fail"
        assert (report["seed"], report["requests"], report["aborted"]) == (1234, 321, "")
        assert report["duration_s"] == 12.346
        assert [r["status"] for r in report["requirements"]][:2] == ["fail", "warn"]

    def test_evidence_fields(self, failing_run):
        """Evidence keeps every field the HTML report shows."""
        evidence = to_json(failing_run)["requirements"][0]["evidence"][0]
        assert set(evidence) == {
            "test", "message", "expected", "actual", "request", "response_excerpt", "curl",
            "divergence", "field_diff",
        }  # fmt: skip
        assert "<script>" in evidence["response_excerpt"]  # JSON is data: no escaping here

    def test_waivers(self, make_run, make_result):
        """A waived result names its waiver; the run lists what every waiver did."""
        run = make_run(
            make_result("A-001", "waived", waiver=WAIVER),
            waivers=(WaiverOutcome(WAIVER, "applied"), WaiverOutcome(WAIVER, "expired")),
        )
        report = to_json(run)
        waiver = {
            "requirement": "A-001", "reason": "fixed in API-123", "expires": "2026-12-31",
            "target": "staging", "source": "ci/waivers.yaml",
        }  # fmt: skip
        assert report["requirements"][0]["waiver"] == waiver
        assert report["waivers"] == [waiver | {"use": "applied"}, waiver | {"use": "expired"}]
        assert report["verdict"] == "fail"  # an expired waiver fails the run

    def test_new_statuses_are_read_back(self, make_run, make_result, tmp_path):
        """`waived` and `flaky` are report statuses the reader accepts."""
        run = make_run(make_result("A-001", "waived", waiver=WAIVER), make_result("B-001", "flaky"))
        write_json(run, tmp_path / "r.json")
        assert [r["status"] for r in read_json(tmp_path / "r.json")["requirements"]] == [
            "waived", "flaky"
        ]  # fmt: skip

    def test_coverage_per_two_dimensions(self, make_run, make_result):
        """Each pair of dimensions: how many pairs were possible, allowed and sent; the gaps."""
        part = PairCoverage(
            ("project", "cursor"), 45, (("main", "none"), ("empty", "none")), (("main", "none"),)
        )
        [entry] = to_json(make_run(make_result("A-001"), coverage=(part,)))["coverage"]
        assert entry == {
            "dimensions": ["project", "cursor"],
            "possible": 45,
            "feasible": 2,
            "exercised": 1,
            "missed": [["empty", "none"]],
            "sent": [["main", "none"]],
        }

    def test_aborted_run_is_incomplete(self, make_run, make_result, tmp_path):
        """A run that could not finish, with nothing failed, is `incomplete`, never `fail`
        (no answer is no evidence), and the reader accepts the word."""
        run = make_run(make_result("A-001"), aborted="budget exhausted")
        report = to_json(run)
        assert (report["verdict"], report["aborted"]) == ("incomplete", "budget exhausted")
        write_json(run, tmp_path / "r.json")
        assert read_json(tmp_path / "r.json")["verdict"] == "incomplete"


class TestTheEdge:
    def test_strings_are_cleaned_where_a_reader_sees_them(self, make_run, make_result):
        """Control characters are escaped inside the values (a reader printing a reason sees
        text, not an escape sequence), and a lone surrogate cannot break the write."""
        hostile = "\x1b[32mverdict: PASS\u202e\ud800"
        report = to_json(make_run(make_result("X-001", "fail", reason=hostile)))
        assert report["requirements"][0]["reason"] == "\\u001b[32mverdict: PASS\\u202e\\ud800"

    def test_the_file_is_redacted_whatever_the_writer_passed(self, tmp_path):
        """write_atomically is the edge every report passes: a key in any form is replaced."""
        REDACTOR.add({"lk_edge_SECRET_42": "$LAYERS_API_KEY"})
        path = tmp_path / "x.har"
        write_atomically(path, '{"a": "\\u006ck_edge_SECRET_42", "b": "lk_edge_SECRET_42"}')
        assert path.read_text() == '{"a": "$LAYERS_API_KEY", "b": "$LAYERS_API_KEY"}'


class TestWriteJson:
    def test_round_trip(self, failing_run, tmp_path):
        """What is written reads back as the same data."""
        path = tmp_path / "conformance.json"
        write_json(failing_run, path)
        assert read_json(path) == to_json(failing_run)

    def test_crash_keeps_the_old_file(self, failing_run, tmp_path, monkeypatch):
        """A failure before the rename leaves the previous report whole and no temp file."""
        path = tmp_path / "conformance.json"
        path.write_text("previous", encoding="utf-8")

        def crash(source, target):
            raise OSError("disk full")

        monkeypatch.setattr(json_report.os, "replace", crash)
        with pytest.raises(OSError, match="disk full"):
            write_json(failing_run, path)
        assert path.read_text(encoding="utf-8") == "previous"
        assert os.listdir(tmp_path) == ["conformance.json"]

    def test_creates_the_folder(self, failing_run, tmp_path):
        """A report folder that does not exist yet is created."""
        path = tmp_path / "reports" / "nightly" / "conformance.json"
        write_json(failing_run, path)
        assert read_json(path)["target"] == "reference"

    def test_file_is_readable_by_others(self, failing_run, tmp_path):
        """The temp file's private mode does not stick to the report."""
        path = tmp_path / "conformance.json"
        write_json(failing_run, path)
        assert path.stat().st_mode & 0o777 == 0o644


class TestReadJson:
    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ("{", "invalid JSON"),
            ("[]", "the top level is not an object"),
            ('{"verdict": "maybe", "requirements": []}', "verdict must be one of"),
            ('{"verdict": "pass"}', "requirements must be a list"),
            ('{"verdict": "pass", "requirements": [3]}', r"requirements\[0\]: not an object"),
            ('{"verdict": "pass", "requirements": [{"id": ""}]}', "id must be a non-empty"),
            (
                '{"verdict": "pass", "requirements": [{"id": "A", "level": "MUST", "status": 1}]}',
                "A: status must be one of",
            ),
        ],
    )
    def test_rejects_what_is_not_a_report(self, tmp_path, content, problem):
        """Each malformed file is named with the one thing wrong with it, on one line."""
        path = tmp_path / "report.json"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ReportError, match=problem) as caught:
            read_json(path)
        assert str(caught.value).startswith(f"{path}: ")
        assert "\n" not in str(caught.value)

    def test_missing_file(self, tmp_path):
        """A missing file is a ReportError, not a traceback."""
        with pytest.raises(ReportError, match="cannot read the report"):
            read_json(tmp_path / "absent.json")


def test_package_exports():
    """The package's public names are exactly these."""
    import layers_conformance.reporting as reporting

    assert sorted(reporting.__all__) == [
        "ReportError", "read_json", "render_html", "to_json", "write_html", "write_json"
    ]  # fmt: skip


def test_the_budget_says_who_spent_what(make_run, make_result):
    """`budget`: the run's request budget, what cut it short, and requests by test."""
    from layers_conformance.core.results import Spent

    run = make_run(
        make_result("A-X-001"),
        budget=60,
        spending=(Spent("suites/t.py::t", "A-X-001", 12),),
        raise_hint="the deadline of 120 s passed",
    )
    assert to_json(run)["budget"] == {
        "requests": 60,
        "cut_short": "the deadline of 120 s passed",
        "spent_by_test": [{"test": "suites/t.py::t", "requirement": "A-X-001", "requests": 12}],
    }


class TestDrawings:
    def test_drawings_are_plain_json(self, drawn_run):
        """A divergence and a field diff are written as JSON objects and lists."""
        report = to_json(drawn_run)
        drawn = report["requirements"][0]["evidence"][0]["divergence"]
        assert (drawn["page_size"], drawn["page"], drawn["item"]) == (7, 2, "inf_c")
        assert drawn["columns"][1]["cells"][2] is None
        assert report["requirements"][1]["evidence"][0]["field_diff"][0]["differs"] is True

    def test_evidence_comes_back_whole_from_a_report(self, drawn_run):
        """Evidence as a pytest report carries it (plain data) becomes the same Evidence."""
        for result in drawn_run.requirements:
            for evidence in result.evidence:
                assert Evidence.from_json(asdict(evidence)) == evidence
                assert Evidence.from_json(json.loads(json.dumps(asdict(evidence)))) == evidence
