"""A gate with a known deviation, as a team adopts it: waived until a date, then failing.

The known deviation is the embedded reference's `oldest_first` fault, which breaks these
three requirements; the waivers are written with dates relative to today.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gate import run_gate, served_reference, write_targets
from layers_conformance.reference.faults import FAULTS

# What the fault declares it breaks: the suite reports exactly these (tests/test_faults.py).
BROKEN = (*FAULTS["oldest_first"].breaks, *FAULTS["oldest_first"].also)
FAULT = "--reference-fault=oldest_first"
REASON = "sorted oldest first until API-123 ships"


def day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def waivers(tmp_path, *ids, expires=None, **extra):
    lines = ["waivers:"]
    for ident in ids:
        lines += [f"  - requirement: {ident}", f"    reason: {REASON}"]
        lines += [f"    expires: {expires or day(30)}"]
        lines += [f"    {key}: {value}" for key, value in extra.items()]
    path = tmp_path / "waivers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_waived_known_deviation_passes_the_gate_and_shows_the_waiver(tmp_path):
    """Exit 0; every report says `waived`, with the waiver's reason and expiry."""
    run = run_gate(tmp_path, FAULT, f"--waivers={waivers(tmp_path, *BROKEN)}")
    assert run.code == 0, run.explain()
    assert run.report["verdict"] == "pass"
    for ident in BROKEN:
        entry = run.requirement(ident)
        assert entry["status"] == "waived"
        assert entry["waiver"]["reason"] == REASON
        assert entry["waiver"]["expires"] == day(30)
        assert entry["evidence"], "the deviation's evidence is kept"
    assert {w["use"] for w in run.report["waivers"]} == {"applied"}
    assert f"WAIVED       ORDER-NEWEST-001 (MUST): waived until {day(30)}: {REASON}" in run.stdout
    waived_cases = [c for c in run.junit() if c.properties["requirement"] in BROKEN]
    failed = [c for c in waived_cases if c.outcome != "passed"]
    assert failed
    for case in failed:
        assert (case.outcome, case.properties["conformance_status"]) == ("skipped", "waived")
        assert f"waived until {day(30)}: {REASON}" in case.message
    html = (run.report_dir / "index.html").read_text()
    assert REASON in html
    assert "badge waived" in html


def test_the_same_gate_after_the_waiver_expired_fails_with_one_line(tmp_path):
    """Exit 1; the requirements fail again, and one line says which waiver expired when."""
    path = waivers(tmp_path, *BROKEN, expires=day(-1))
    run = run_gate(tmp_path, FAULT, f"--waivers={path}")
    assert run.code == 1, run.explain()
    assert all(run.statuses[ident] == "fail" for ident in BROKEN)
    expired = [line for line in run.stdout.splitlines() if line.startswith("waiver expired")]
    assert len(expired) == len(BROKEN)
    assert f"ORDER-NEWEST-001 on {day(-1)} ({path})" in expired[0]
    assert {w["use"] for w in run.report["waivers"]} == {"expired"}


def test_an_expired_waiver_fails_the_run_even_when_its_requirement_holds(tmp_path):
    """The expiry date is a promise: a stale file is brought up to date either way."""
    run = run_gate(
        tmp_path, "--profile=smoke", f"--waivers={waivers(tmp_path, BROKEN[0], expires=day(-1))}"
    )
    assert run.code == 1, run.explain()
    assert run.statuses[BROKEN[0]] == "pass"


def test_a_waiver_that_matched_nothing_is_reported_for_removal(tmp_path):
    """On a conforming server the waiver is listed as unused, and the gate passes."""
    run = run_gate(tmp_path, "--profile=smoke", f"--waivers={waivers(tmp_path, BROKEN[0])}")
    assert run.code == 0, run.explain()
    assert [w["use"] for w in run.report["waivers"]] == ["unused"]
    assert any(
        line.startswith("waiver unused: ORDER-NEWEST-001") for line in run.stdout.splitlines()
    )


def test_a_waiver_for_another_target_is_not_applied(tmp_path):
    """`target: staging` does not excuse the reference."""
    path = waivers(tmp_path, *BROKEN, target="staging")
    run = run_gate(tmp_path, FAULT, f"--waivers={path}")
    assert run.code == 1, run.explain()
    assert run.report["waivers"] == []


def test_waivers_named_in_the_targets_entry(tmp_path):
    """`waivers: FILE` in a targets entry, relative to the targets file, applies too."""
    (tmp_path / "ci").mkdir()
    waivers(tmp_path / "ci", *BROKEN)
    with served_reference("oldest_first") as served:
        targets = write_targets(
            tmp_path / "ci" / "targets.yaml",
            {"staging": served.entry | {"waivers": "waivers.yaml"}},
        )
        run = run_gate(
            tmp_path,
            f"--targets-file={targets}",
            "--target=staging",
            target="staging",
            env=served.env,
        )
    assert run.code == 0, run.explain()
    assert all(run.statuses[ident] == "waived" for ident in BROKEN)


def test_a_bad_waivers_file_is_one_line_and_exit_4(tmp_path):
    """An unknown requirement id stops the run before its first request, one line, exit 4."""
    run = run_gate(tmp_path, f"--waivers={waivers(tmp_path, 'ORDER-NEWST-001')}")
    assert run.code == 4, run.explain()
    assert "unknown requirement id 'ORDER-NEWST-001'" in run.stderr
    assert "Traceback" not in run.output
    assert not (run.report_dir / "conformance.json").exists()
