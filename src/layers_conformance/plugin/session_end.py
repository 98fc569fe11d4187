"""The end of a session: every test's record gathered (xdist workers' too), the workers'
exchanges, the reports written whatever happened, the exit status and the summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layers_conformance.core.stops import StopKind
from layers_conformance.plugin.state import EXCHANGES_KEY, STATE, RunState


class Recorder:
    """Gathers verdicts from every report, xdist workers' too (it runs in the controller)."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from layers_conformance.verdicts import record_of

        record = record_of(report)
        if record is not None:
            self.state.tally.add(record)
        elif report.failed:
            self.state.unjudged_failures += 1


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Gather a pytest-xdist worker's exchanges (its spool) as it ends: its client was its own."""
    output = getattr(node, "workeroutput", {})  # a worker that crashed sent none
    if EXCHANGES_KEY in output:
        node.config.stash[STATE].spools.append(Path(output[EXCHANGES_KEY]))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[STATE]
    state.stack.close()
    if state.spool is not None:
        state.spool.close()
        state.spools.append(state.spool.path)
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None and state.spool is not None:
        worker_output[EXCHANGES_KEY] = str(state.spool.path)
    if not state.runs_suites or worker_output is not None:
        for spool in state.spools if worker_output is None else ():
            spool.unlink(missing_ok=True)  # no report is written: no exchange is left behind
        return
    from layers_conformance.run.finish import finish_run

    # A selection may leave nothing to run (--rerun-failed of a clean report): not an error.
    judged = [pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED]
    if state.options.selected is not None:
        judged.append(pytest.ExitCode.NO_TESTS_COLLECTED)
    if exitstatus not in judged and not state.tally.aborted:
        # Whatever stopped pytest (an internal error, an interrupt, nothing collected), the
        # requirements it did not reach were not shown to hold: the run never passes.
        state.tally.aborted, state.tally.stop = _unfinished(exitstatus), StopKind.PYTEST_STOPPED
    run = finish_run(
        state.options,
        state.target,
        state.tally,
        state.waivers,
        state.spools,
        state.described,
        _budget(state),
    )
    state.result = run
    _sweep_reports(session.config)
    # Under pytest-xdist a worker's stop reaches the controller as an interrupt: a run that
    # stopped itself (target gone, rate limited, deadline) is incomplete, exit 1, all the same.
    stopped_itself = exitstatus == pytest.ExitCode.INTERRUPTED and state.tally.stopped
    if exitstatus in judged or stopped_itself:
        # Exit 1 for `incomplete` too: a CI gate must not pass a run that could not finish.
        failed = run.verdict != "pass" or state.unjudged_failures > 0
        failed = failed or run.certification not in (None, "pass")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK


def _budget(state: RunState) -> int:
    from layers_conformance.run.start import request_budget

    return request_budget(state.options, state.target)


def _sweep_reports(config: pytest.Config) -> None:
    """junit.xml and Allure's results, written from reports by others, through the edge."""
    from layers_conformance.reporting.sweep import sweep

    written = (getattr(config.option, name, None) for name in ("xmlpath", "allure_report_dir"))
    sweep(Path(path) for path in written if path and Path(path).exists())


def _unfinished(exitstatus: int) -> str:
    reasons: dict[int, str] = {
        pytest.ExitCode.INTERRUPTED: "the run was interrupted",
        pytest.ExitCode.INTERNAL_ERROR: "pytest stopped on an internal error (INTERNALERROR above)",
        pytest.ExitCode.USAGE_ERROR: "the run stopped on a usage error",
        pytest.ExitCode.NO_TESTS_COLLECTED: "no test ran",
    }
    return reasons.get(exitstatus, f"pytest ended with exit status {int(exitstatus)}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash[STATE].result
    if run is None:
        return
    from layers_conformance.run.finish import summary_lines

    terminalreporter.section("layers-conformance")
    for line in summary_lines(run, config.stash[STATE].options):
        terminalreporter.write_line(line)
