"""selftest and the runs it makes: a run that never ends is a case that failed, said in one
line, never an exception that loses every other case."""

from __future__ import annotations

import sys

from layers_conformance import selftest
from layers_conformance.standalone import output_tail, run_to_the_end

# A process that says something, then never ends by itself.
ENDLESS = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(600)"]


def test_a_run_that_does_not_end_is_stopped_and_said(tmp_path):
    done = run_to_the_end(ENDLESS, cwd=tmp_path, timeout_s=0.5)
    assert done.returncode != 0
    assert output_tail(done) == "started | the run did not end within 0.5 s and was stopped"


def test_a_case_that_does_not_end_is_a_case_with_a_problem(monkeypatch):
    """`run_case` returns, naming why there is no report, and the other cases still run."""
    monkeypatch.setattr(selftest, "pytest_command", lambda options: ENDLESS)
    monkeypatch.setattr(selftest, "CASE_TIMEOUT_S", 0.5)
    result = selftest.run_case("oldest_first", "fault", ("ORDER-NEWEST-001",))
    assert not result.ok
    assert result.problem.startswith("no report (exit -9): started | the run did not end")


def case(kind, verdict, declared=(), broken=()):
    return selftest.CaseResult("x", kind, declared, broken, verdict, 1.0)


def test_a_conformant_server_passes_only_on_pass():
    """A variant whose run could not finish has not shown it conforms: not passed, and the
    table says incomplete rather than failed."""
    assert case("variant", "pass").ok
    assert not case("variant", "incomplete").ok
    assert "| variant | x | INCOMPLETE |" in selftest.table([case("variant", "incomplete")])
    assert "| variant | x | FAILED |" in selftest.table([case("variant", "fail")])


def test_a_fault_is_killed_only_on_what_its_run_reported_broken():
    """A run cut short with the fault's requirements undecided leaves the fault alive."""
    declared = ("ORDER-NEWEST-001",)
    assert case("fault", "fail", declared, declared).ok
    assert not case("fault", "incomplete", declared).ok
