"""Selection as a developer uses it: run one requirement, or rerun last night's failures."""

from __future__ import annotations

import shutil

from gate import run_gate
from layers_conformance.reference.faults import FAULTS

# What the fault declares it breaks: the suite reports exactly these (tests/test_faults.py).
BROKEN = set(FAULTS["oldest_first"].breaks)


def test_only_the_named_requirements_run(tmp_path):
    """The others are `skip` with "not selected", and JUnit has only the selected tests."""
    run = run_gate(
        tmp_path, "--reference-fault=oldest_first", "--requirement=ORDER-NEWEST-001,LIMIT-MAX-001"
    )
    assert run.code == 1, run.explain()
    assert run.statuses["ORDER-NEWEST-001"] == "fail"
    assert run.statuses["LIMIT-MAX-001"] == "pass"
    others = [
        r
        for r in run.report["requirements"]
        if r["id"] not in ("ORDER-NEWEST-001", "LIMIT-MAX-001")
    ]
    assert {r["status"] for r in others} == {"skip"}
    assert all(r["reason"].startswith("not selected") for r in others)
    summary = f"SKIP         {len(others)} requirements: not selected in this run"
    assert summary in run.stdout  # one line, not one per requirement
    assert {c.properties["requirement"] for c in run.junit()} == {
        "ORDER-NEWEST-001",
        "LIMIT-MAX-001",
    }


def test_an_unknown_requirement_is_exit_4_in_one_line(tmp_path):
    run = run_gate(tmp_path, "--requirement=ORDER-NEWST-001")
    assert run.code == 4, run.explain()
    assert (
        "unknown requirement id 'ORDER-NEWST-001' (did you mean 'ORDER-NEWEST-001'?)" in run.stderr
    )
    assert "Traceback" not in run.output


def test_rerun_failed_runs_last_nights_failures(tmp_path):
    """The failures of a broken run, rerun after the fix: only they run, and they pass."""
    broken = run_gate(tmp_path / "night", "--reference-fault=oldest_first")
    assert {i for i, s in broken.statuses.items() if s == "fail"} >= BROKEN
    earlier = shutil.copy(broken.report_dir / "conformance.json", tmp_path / "last-night.json")
    run = run_gate(tmp_path / "fixed", f"--rerun-failed={earlier}")
    assert run.code == 0, run.explain()
    ran = {i for i, s in run.statuses.items() if s != "skip"}
    assert ran == {i for i, s in broken.statuses.items() if s in ("fail", "inconclusive")}
    assert all(run.statuses[i] == "pass" for i in BROKEN)


def test_rerun_failed_of_a_clean_run_runs_nothing_and_passes(tmp_path):
    clean = run_gate(tmp_path / "night", "--profile=smoke")
    run = run_gate(tmp_path / "again", f"--rerun-failed={clean.report_dir / 'conformance.json'}")
    assert run.code == 0, run.explain()
    assert set(run.statuses.values()) == {"skip"}


def test_rerun_failed_of_a_missing_report_is_exit_4(tmp_path):
    run = run_gate(tmp_path, f"--rerun-failed={tmp_path / 'absent.json'}")
    assert run.code == 4, run.explain()
    assert "--rerun-failed: " in run.stderr
    assert "cannot read the report" in run.stderr
