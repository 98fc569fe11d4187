"""The fixtures a suite asks for: the probe of the target (started by the first test that
asks), the seed, the query space, where a test's coverage goes; and each test's labels."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Generator
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from layers_conformance.core.heap import give_back_freed_memory
from layers_conformance.plugin.state import COVERAGE, STATE, RunState, marked_requirement

if TYPE_CHECKING:  # the plugin stays cheap to import: these load only when a run needs them
    from layers_conformance.core.exchange import Exchange
    from layers_conformance.core.results import PairCoverage
    from layers_conformance.probing.probe import Probe
    from layers_conformance.probing.space import Ground


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest) -> Probe:
    """The probe of the target under test: remembered requests and traversals."""
    state = request.config.stash[STATE]
    if state.probe is None:
        state.probe = _start(request.config, state)
    return state.probe


@pytest.fixture(scope="session")
def conformance_seed(request: pytest.FixtureRequest) -> int:
    """The run's seed, for generated cases."""
    seed: int = request.config.stash[STATE].options.seed
    return seed


def _start(config: pytest.Config, state: RunState) -> Probe:
    from layers_conformance.probing.client import TargetUnreachable
    from layers_conformance.run.preflight import FixtureContradiction
    from layers_conformance.run.replay import describe_run
    from layers_conformance.run.start import open_probe

    say = _progress_writer(config)
    options = state.options
    if state.deselected or hasattr(config, "workerinput") or options.replay is not None:
        # The prefetch is the whole suites' work: a partial run, or an xdist worker running
        # a share of the tests, asks for its requests as its tests need them; a replay sends
        # nothing over the network, so it has nothing to gain.
        options = replace(options, concurrency=1)
    try:
        state.target, state.probe = open_probe(
            options,
            state.target,
            state.stack,
            say,
            _exchange_keeper(config, state),
            _allure_attacher(config, state),
        )
    except TargetUnreachable as error:
        state.tally.aborted, state.tally.stop, state.tally.stopped = str(error), error.kind, True
        pytest.exit(f"layers-conformance: {error}", returncode=1)
    except FixtureContradiction as error:
        # The preflight: a usage error, as a bad option is, and no report of the server.
        state.runs_suites = False
        pytest.exit(f"layers-conformance: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
    faults = state.options.reference_faults
    state.described = describe_run(state.target, faults, state.probe.plan.budget)
    if state.runs_suites:
        # As at collection (plugin/collection.py): what the start loaded (the reference and
        # its dataset, the client, the plan) lives until the end; collections skip it.
        gc.freeze()
    return state.probe


def _progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """A line to the terminal while a test runs: output capture is lifted for that line."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    lock = threading.Lock()  # walks prefetched in threads report progress too

    def say(line: str) -> None:
        if reporter is None:
            return
        with lock, capture.global_and_fixture_disabled() if capture else nullcontext():
            reporter.write_line(f"  … {line}")

    return say


def _exchange_keeper(config: pytest.Config, state: RunState) -> Callable[[Exchange], None]:
    """Keep each exchange the client records, from any thread, for exchanges.har."""
    from datetime import UTC, datetime

    from layers_conformance.reporting.har import Spool, har_entry

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    spool = state.spool = Spool(state.options.target_report_dir / f".exchanges-{worker}.jsonl")

    def keep(exchange: Exchange) -> None:
        spool.add(har_entry(exchange, datetime.now(UTC), worker))

    return keep


def _allure_attacher(config: pytest.Config, state: RunState) -> Callable[[Exchange], None] | None:
    if not getattr(config.option, "allure_report_dir", None):
        return None

    from layers_conformance.core.exchange import hold

    def attach(exchange: Exchange) -> None:
        # Each test shows the exchanges it judged, once each, whoever fetched them first;
        # they are written as one attachment when the test ends (`pytest_runtest_teardown`).
        # Held as pages hold them (`hold`): a test that compares walks judged thousands, and
        # each exchange read back from disk and held here was a kilobyte more until it ended.
        # A kept one by where it is on disk (above 2**56: never an object's id).
        if state.current is not None:
            held = hold(exchange)
            state.attached.setdefault(held if isinstance(held, int) else id(exchange), held)

    return attach


@pytest.fixture(scope="session")
def conformance_space(conformance: Probe) -> Ground:
    """The query space on the target: its ground truth, cursors and pairwise cases."""
    from layers_conformance.probing.space import gather

    return gather(conformance)


@pytest.fixture
def conformance_coverage(request: pytest.FixtureRequest) -> list[PairCoverage]:
    """Where a test puts the pairs of the query space its cases sent, for the reports."""
    coverage: list[PairCoverage] = request.node.stash.setdefault(COVERAGE, [])
    return coverage


def watch_test(item: pytest.Item) -> None:
    """Once a test's fixtures are set up (`pytest_runtest_setup`): the exchanges it reads
    from here to its teardown are its own (not those the session's fixtures read to start),
    and Allure labels it with its requirement. Not an autouse fixture: Allure writes a file
    for each fixture of each test (101 a standard run)."""
    state = item.config.stash[STATE]
    requirement = marked_requirement(item)
    state.current = item if requirement else None
    state.attached = {}
    if requirement and getattr(item.config.option, "allure_report_dir", None):
        from layers_conformance.reporting.allure_attach import label_requirement

        label_requirement(requirement)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """The exchanges the test judged, attached to it in Allure as one file: a file per
    exchange cost more than the requests themselves (thousands of files a run)."""
    state = item.config.stash[STATE]
    state.current = None  # what the session's fixtures send as they end is no test's
    try:
        return (yield)
    finally:
        if state.attached:
            from layers_conformance.reporting.allure_attach import attach_exchanges

            attach_exchanges(list(state.attached.values()), state.options.target_report_dir)
            state.attached = {}
        give_back_freed_memory()  # what the test's passes over the pages freed
