"""The start of a session: libraries imported as installed, markers registered, options
read, the target resolved, waivers opened, a certification checked, report paths
defaulted, the terminal guarded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.plugin.collection import EveryMust
from layers_conformance.plugin.options import check_root_directory, read
from layers_conformance.plugin.session_end import Recorder
from layers_conformance.plugin.state import (
    MARKER,
    SEED_KEY,
    SEQUENTIAL_MARKER,
    SMOKE_MARKER,
    STATE,
    RunState,
)

# Libraries the suites use that ship a pytest plugin. pytest marks every module of such a
# distribution for assertion rewriting and then compiles each from source instead of its
# installed bytecode; where bytecode is not cached (PYTHONDONTWRITEBYTECODE, common in CI
# images), that recompiled Hypothesis's ~80 modules on every run (0.4 s of a standard run)
# and anyio's ~30 (0.2 s; the reference's Starlette imports it; pyproject.toml keeps its
# plugin from importing it first). Their asserts are their own invariants, not tests: they
# load as installed.
LIBRARIES = ("hypothesis", "anyio")

# Options that run fewer tests than all, by destination: a certification refuses them.
NARROWING = {
    "keyword": "-k",
    "markexpr": "-m",
    "deselect": "--deselect",
    "maxfail": "--maxfail/-x",
    "lc_requirements": "--requirement",
    "lc_rerun_failed": "--rerun-failed",
    "lc_waivers": "--waivers",
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    unmark_libraries(config.pluginmanager)
    config.addinivalue_line("markers", f"{MARKER}(id): the catalogue requirement a test verifies")
    config.addinivalue_line("markers", f"{SMOKE_MARKER}: part of the production-safe profile")
    config.addinivalue_line(
        "markers",
        f"{SEQUENTIAL_MARKER}: a long chain of dependent requests, started first so that the "
        "requests fetched ahead run beside it",
    )
    check_root_directory(config)
    options = read(config)
    state = RunState(options, runs_suites=_runs_suites(config))
    config.stash[STATE] = state
    config.pluginmanager.register(Recorder(state), "layers-conformance-recorder")
    from layers_conformance.core.targets import ConfigError
    from layers_conformance.reporting.json_report import ReportError
    from layers_conformance.run.options import check_faults, resolve_target
    from layers_conformance.run.waivers import open_book

    try:
        state.target = resolve_target(options)
        entry = (state.target.waivers,) if state.target and state.target.waivers else ()
        state.waivers = open_book(options.waivers + entry, options.target)
    except (ConfigError, ReportError) as error:
        raise pytest.UsageError(str(error)) from None
    if state.target is not None:
        from layers_conformance.core.redaction import REDACTOR
        from layers_conformance.run.start import run_secrets

        REDACTOR.add(run_secrets(state.target))  # before anything can be printed
    try:
        check_faults(options.reference_faults)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    if options.certify:
        _check_certifiable(config, state)
    if state.runs_suites and not hasattr(config, "workerinput"):
        _default_report_paths(config, options.target_report_dir)


def unmark_libraries(manager: pytest.PytestPluginManager) -> None:
    """Take `LIBRARIES` off the modules pytest's assertion rewriter claims, before the
    suites import them (`_must_rewrite` is pytest's own: without it, nothing changes)."""
    hook = getattr(manager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if not isinstance(marked, set):
        return
    marked.difference_update(LIBRARIES)
    cache = getattr(hook, "_marked_for_rewrite_cache", None)
    if isinstance(cache, dict):
        cache.clear()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand the controller's seed to each pytest-xdist worker, so one printed seed repeats all."""
    node.workerinput[SEED_KEY] = node.config.stash[STATE].options.seed


def _check_certifiable(config: pytest.Config, state: RunState) -> None:
    """Refuse a certification that cannot exercise every MUST, before any request."""
    from layers_conformance.run.certify import refusal, split_refusal

    narrowing = [flag for dest, flag in NARROWING.items() if getattr(config.option, dest, None)]
    narrowing += [f"the path {arg}" for arg in config.args if not Path(arg).is_dir()]
    problem = refusal(state.options, state.target, load_catalogue(), narrowing)
    problem = problem or split_refusal(getattr(config.option, "numprocesses", None))
    if problem:
        raise pytest.UsageError(problem)
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(EveryMust(), "layers-conformance-every-must")


def _runs_suites(config: pytest.Config) -> bool:
    # Only a run of the conformance suites writes reports; `pytest tests` (self-tests) does not.
    return any("suites" in Path(str(arg).split("::")[0]).parts for arg in config.args)


def _default_report_paths(config: pytest.Config, directory: Path) -> None:
    from layers_conformance.reporting.files import ALLURE_DIR, JUNIT_FILE

    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(directory / JUNIT_FILE)
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(directory / ALLURE_DIR)
        from layers_conformance.reporting.sweep import clear_allure_results

        clear_allure_results(directory / ALLURE_DIR)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Guard the terminal: everything pytest writes there is redacted, controls visible."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        _guard(reporter._tw)


def _guard(writer: Any) -> None:
    from layers_conformance.core.redaction import clean

    write = writer.write

    def guarded(message: str, **markup: bool) -> None:
        # pytest redraws a line with a leading carriage return; any other is shown as text.
        head = "\r" if message.startswith("\r") else ""
        write(head + clean(message[len(head) :]), **markup)

    writer.write = guarded
    # Highlighted source is made of escape codes, which the guard would show as text.
    writer.code_highlight = False


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    if not state.runs_suites:
        return []
    options = state.options
    where = state.target.base_url if state.target else "embedded, started for the run"
    return [
        f"layers-conformance: target {options.target} ({where}), profile {options.profile}, "
        f"seed {options.seed} (repeat with --seed {options.seed})"
    ]
