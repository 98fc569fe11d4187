"""Each test's report turned into a verdict (`verdicts.py`): a fixture the target lacks
skips it, a failing MUST is looked at again, waivers apply, the record rides on the report
to the controller, and the terminal shows the status's letter."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from layers_conformance.plugin.fixtures import watch_test
from layers_conformance.plugin.state import COVERAGE, RECHECKED, STATE, marked_requirement

if TYPE_CHECKING:
    from layers_conformance.core.results import PairCoverage

WARN, INCONCLUSIVE, WAIVED, FLAKY = "warn", "inconclusive", "waived", "flaky"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    requirement = marked_requirement(item)
    state = item.config.stash[STATE]
    if requirement is not None and state.target is not None:
        from layers_conformance.run.start import missing_fixtures

        missing = missing_fixtures(requirement, state.target)
        if missing:
            pytest.skip(f"target {state.options.target!r} provides no {', '.join(missing)}")
    yield
    watch_test(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    except Exception as error:
        state = item.config.stash[STATE]
        requirement = marked_requirement(item)
        pause = state.options.recheck_pause_s
        if pause is None or state.probe is None or requirement is None:
            raise
        from layers_conformance.run.recheck import recheck
        from layers_conformance.verdicts import rechecks

        if not rechecks(requirement, error):
            raise
        looked = recheck(item.runtest, state.probe, pause)
        item.stash[RECHECKED] = (error, looked)
        if not looked.held:
            raise
        return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    requirement = marked_requirement(item)
    if (
        requirement is None
        or report.when == "teardown"
        or (report.when == "setup" and report.passed)
    ):
        return report
    from layers_conformance.verdicts import after_recheck, attach_record, judge

    state = item.config.stash[STATE]
    use = state.probe.take_use() if state.probe else None
    verdict = judge(requirement, report, call.excinfo, item.nodeid, use)
    if report.when == "call" and RECHECKED in item.stash:
        verdict = after_recheck(verdict, *item.stash[RECHECKED], item.nodeid)
    if state.waivers is not None:
        verdict = verdict.under(state.waivers.covering(requirement.id, verdict.status))
    verdict.apply(report)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    requests_sent = state.probe.client.requests_sent if state.probe else 0
    coverage: list[PairCoverage] = item.stash.get(COVERAGE, [])
    used, changes = (use.requests, tuple(use.changes)) if use else (0, ())
    traffic = state.probe.client.traffic if state.probe else None
    record = verdict.record(
        worker, requests_sent, tuple(coverage), item.nodeid, used, traffic, changes
    )
    attach_record(report, record)
    # pytest's JUnit writer reads a test case's properties from its teardown report, which
    # pytest builds from `item.user_properties`: set there, they reach junit.xml (xdist too).
    item.user_properties += [
        ("requirement", requirement.id),
        ("level", requirement.level),
        ("conformance_status", verdict.status),
    ]
    if verdict.ends_pytest:
        item.session.shouldfail = f"layers-conformance: {verdict.reason}"
    return report


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    from layers_conformance.verdicts import record_of

    record = record_of(report)
    status = record.status if record else None
    if status == WARN:
        return "warned", "W", "WARN (SHOULD)"
    if status == INCONCLUSIVE and report.when == "call":
        return "inconclusive", "I", "INCONCLUSIVE"
    if status == WAIVED:
        return "waived", "w", "WAIVED"
    if status == FLAKY:
        return "flaky", "~", "FLAKY (held on recheck)"
    return None
