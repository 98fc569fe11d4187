"""The pytest plugin: options, the requirement marker, the probe fixture, verdicts and reports.

It reads top-down: options, configuration, collection, fixtures, the per-test verdict,
then the end of the session. The work itself lives in the layers below (see
ARCHITECTURE.md), which never import pytest; this module and `verdicts` wire them to
pytest's hooks.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from layers_conformance.core.catalogue import Requirement, load_catalogue
from layers_conformance.run.options import (
    REFERENCE,
    Options,
    flags_target_name,
    path_written_apart,
    target_flags,
)
from layers_conformance.run.tally import Tally

if TYPE_CHECKING:  # the plugin stays cheap to import: these load only when a run needs them
    from layers_conformance.core.results import RunResult
    from layers_conformance.core.targets import Target
    from layers_conformance.probing.probe import Probe

MARKER = "requirement"
SMOKE_MARKER = "smoke"
PROFILE_NAMES = ("smoke", "standard", "thorough")
PATH_OPTIONS = ("--targets-file", "--report-dir", "--archived-ids-file")
# A target on the command line instead of in a targets file: option, metavar, help. Each
# option's name, without its dashes, is the field of `TargetFlags` it fills.
TARGET_OPTIONS = (
    ("--base-url", "URL", "the target's base URL, instead of a targets file; keys from "
     "LAYERS_API_KEY (and LAYERS_API_KEY_NO_SCOPE when set)"),
    ("--project-id", "UUID", "with --base-url: a project the key can see"),
    ("--empty-project-id", "UUID", "with --base-url: a visible project with no live influencers"),
    ("--foreign-project-id", "UUID", "with --base-url: a project of another org"),
    ("--archived-ids-file", "FILE", "with --base-url: ids of archived influencers of "
     "--project-id, one a line, # comments"),
    ("--auth-scheme", "SCHEME", "with --base-url: x-api-key (default) or bearer"),
)  # fmt: skip
WARN, INCONCLUSIVE = "warn", "inconclusive"
SEED_KEY = "layers_conformance_seed"  # in xdist's workerinput


@dataclass
class RunState:
    """What the plugin keeps for one session (in `config.stash`)."""

    options: Options
    target: Target | None = None  # None until the embedded reference is started
    probe: Probe | None = None
    tally: Tally = field(default_factory=Tally)
    stack: ExitStack = field(default_factory=ExitStack)
    runs_suites: bool = False
    # Failed tests that judge no requirement (a broken suite module): they fail the run too.
    unjudged_failures: int = 0
    current: pytest.Item | None = None
    result: RunResult | None = None


STATE = pytest.StashKey[RunState]()


# --- options ------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layers-conformance", "Layers list-influencers conformance")
    group.addoption(
        "--targets-file",
        dest="lc_targets_file",
        type=Path,
        default=None,
        help="targets file (default: targets.yaml when it exists)",
    )
    group.addoption(
        "--target",
        dest="lc_target",
        default=REFERENCE,
        help="target name in the targets file (default: the embedded reference)",
    )
    group.addoption(
        "--profile",
        dest="lc_profile",
        default="standard",
        choices=PROFILE_NAMES,
        help="smoke (production-safe, <= 60 GETs), standard (default), thorough",
    )
    group.addoption(
        "--report-dir",
        dest="lc_report_dir",
        type=Path,
        default=Path("reports"),
        help="reports go to DIR/<target>/ (default: reports)",
    )
    group.addoption(
        "--seed",
        dest="lc_seed",
        type=int,
        default=None,
        help="seed for generated cases; fixed seed = repeatable run",
    )
    group.addoption(
        "--rate-limit",
        dest="lc_rate_limit",
        type=float,
        default=None,
        help="at most this many requests per second (overrides the target's)",
    )
    group.addoption(
        "--deadline",
        dest="lc_deadline",
        type=float,
        default=None,
        help="end the run's requests after this many seconds",
    )
    group.addoption(
        "--reference-fault",
        dest="lc_faults",
        action="append",
        default=[],
        help="start the embedded reference with this fault (self-tests)",
    )
    group.addoption(
        "--reference-size",
        dest="lc_size",
        type=int,
        default=160,
        help="live influencers in the reference's main project",
    )
    for option, metavar, help_text in TARGET_OPTIONS:
        group.addoption(option, dest=_dest(option), metavar=metavar, default=None, help=help_text)


def _dest(option: str) -> str:
    return "lc_" + option.removeprefix("--").replace("-", "_")


# --- configuration ------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(id): the catalogue requirement a test verifies")
    config.addinivalue_line("markers", f"{SMOKE_MARKER}: part of the production-safe profile")
    _check_root_directory(config)
    options = _options(config)
    state = RunState(options, runs_suites=_runs_suites(config))
    config.stash[STATE] = state
    config.pluginmanager.register(_Recorder(state), "layers-conformance-recorder")
    from layers_conformance.core.targets import ConfigError
    from layers_conformance.run.options import resolve_target

    try:
        state.target = resolve_target(options)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    _check_faults(options.reference_faults)
    if state.runs_suites and not hasattr(config, "workerinput"):
        _default_report_paths(config, options.target_report_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand the controller's seed to each pytest-xdist worker, so one printed seed repeats all."""
    node.workerinput[SEED_KEY] = node.config.stash[STATE].options.seed


def _check_root_directory(config: pytest.Config) -> None:
    """Stop when a path option's value, taken for a test path, made pytest miss its
    configuration file (and so its addopts, markers and warnings filters)."""
    if config.option.inifilename:  # -c: the configuration does not depend on the arguments
        return
    apart = path_written_apart(config.invocation_params.args, PATH_OPTIONS)
    meant = _configuration_file_meant(config)
    if apart and meant != config.inipath:
        option, value = apart
        raise pytest.UsageError(
            f"{option} {value}: pytest took {value} for a test path and missed {meant}; "
            f"write {option}={value} (or use `layers-conformance run`)"
        )


def _configuration_file_meant(config: pytest.Config) -> Path | None:
    """The file pytest finds from the test paths alone: upwards from their common ancestor,
    else from each in turn (pytest's own search, with its own functions)."""
    from _pytest.config.findpaths import get_common_ancestor, get_dirs_from_args, locate_config

    here = config.invocation_params.dir
    dirs = get_dirs_from_args([str(arg) for arg in config.option.file_or_dir])
    meant: Path | None = locate_config(here, [get_common_ancestor(here, dirs)])[1]
    if meant is None and dirs:
        meant = locate_config(here, dirs)[1]
    return meant


def _options(config: pytest.Config) -> Options:
    from layers_conformance.core.targets import ConfigError

    seed = config.getoption("lc_seed")
    worker_input: dict[str, Any] = getattr(config, "workerinput", {})
    if SEED_KEY in worker_input:
        seed = worker_input[SEED_KEY]
    targets_file = config.getoption("lc_targets_file")
    values = {_dest(o).removeprefix("lc_"): config.getoption(_dest(o)) for o, *_ in TARGET_OPTIONS}
    try:
        flags = target_flags(values, targets_file)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    if targets_file is None and flags is None and Path("targets.yaml").is_file():
        targets_file = Path("targets.yaml")
    target = config.getoption("lc_target")
    if flags is not None and target == REFERENCE:
        target = flags_target_name(flags)
    size = config.getoption("lc_size")
    if size < 1:
        raise pytest.UsageError(f"--reference-size={size} must be at least 1")
    return Options(
        target=target,
        targets_file=targets_file,
        profile=config.getoption("lc_profile"),
        report_dir=config.getoption("lc_report_dir"),
        seed=seed if seed is not None else random.SystemRandom().randrange(2**31),
        rate_limit_rps=_positive(config, "lc_rate_limit", "--rate-limit"),
        deadline_s=_positive(config, "lc_deadline", "--deadline"),
        reference_faults=tuple(config.getoption("lc_faults")),
        reference_size=size,
        flags=flags,
    )


def _positive(config: pytest.Config, dest: str, flag: str) -> float | None:
    value: float | None = config.getoption(dest)
    if value is not None and value <= 0:
        raise pytest.UsageError(f"{flag}={value} must be a positive number")
    return value


def _check_faults(names: tuple[str, ...]) -> None:
    if not names:
        return
    from layers_conformance.reference.faults import FAULTS, HOSTILE, VARIANTS

    unknown = [n for n in names if n not in {**FAULTS, **VARIANTS, **HOSTILE}]
    if unknown:
        raise pytest.UsageError(
            f"--reference-fault: unknown fault {unknown[0]!r} "
            "(layers-conformance serve --list-faults lists them)"
        )


def _runs_suites(config: pytest.Config) -> bool:
    # Only a run of the conformance suites writes reports; `pytest tests` (self-tests) does not.
    return any("suites" in Path(str(arg).split("::")[0]).parts for arg in config.args)


def _default_report_paths(config: pytest.Config, directory: Path) -> None:
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(directory / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(directory / "allure-results")
        config.option.clean_alluredir = True


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


# --- collection ---------------------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    catalogue = load_catalogue()
    for item in items:
        if "conformance" in getattr(item, "fixturenames", ()):
            _requirement_of(item, catalogue)
    state = config.stash[STATE]
    if state.options.profile == "smoke":
        keep = [i for i in items if i.get_closest_marker(SMOKE_MARKER)]
        dropped = [i for i in items if i not in keep]
        _note_not_run(state, dropped, "not part of the smoke profile")
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    if items:
        _note_not_run(items[0].config.stash[STATE], items, "deselected in this run (-k or -m)")


def _note_not_run(state: RunState, items: Sequence[pytest.Item], reason: str) -> None:
    for item in items:
        requirement = _marked_requirement(item)
        if requirement is not None:
            state.tally.not_run.setdefault(requirement.id, reason)


def _requirement_of(item: pytest.Item, catalogue: dict[str, Requirement]) -> Requirement:
    markers = list(item.iter_markers(MARKER))
    if len(markers) != 1 or len(markers[0].args) != 1:
        raise pytest.UsageError(
            f"{item.nodeid}: a conformance test names exactly one "
            f"requirement with @pytest.mark.{MARKER}('ID')"
        )
    ident = markers[0].args[0]
    if ident not in catalogue:
        raise pytest.UsageError(
            f"{item.nodeid}: unknown requirement id {ident!r} (not in spec/requirements.yaml)"
        )
    return catalogue[ident]


def smoke_params(values: Sequence[object], smoke: Collection[object]) -> list[object]:
    """Values for `parametrize`; those in `smoke` run in the smoke profile too."""
    return [pytest.param(v, marks=pytest.mark.smoke) if v in smoke else v for v in values]


# --- fixtures -----------------------------------------------------------------------------


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
    from layers_conformance.run.start import open_probe

    say = _progress_writer(config)
    try:
        state.target, state.probe = open_probe(
            state.options, state.target, state.stack, say, _allure_attacher(config, state)
        )
    except TargetUnreachable as error:
        state.tally.aborted, state.tally.stopped = str(error), True
        pytest.exit(f"layers-conformance: {error}", returncode=1)
    return state.probe


def _progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """A line to the terminal while a test runs: output capture is lifted for that line."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter is None:
            return
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            reporter.write_line(f"  … {line}")

    return say


def _allure_attacher(config: pytest.Config, state: RunState) -> Any:
    if not getattr(config.option, "allure_report_dir", None):
        return None
    from layers_conformance.reporting.allure_attach import attach_exchange

    return lambda exchange: attach_exchange(exchange) if state.current is not None else None


@pytest.fixture(autouse=True)
def _conformance_labels(request: pytest.FixtureRequest) -> Iterator[None]:
    state = request.config.stash[STATE]
    requirement = _marked_requirement(request.node)
    state.current = request.node if requirement else None
    if requirement and getattr(request.config.option, "allure_report_dir", None):
        from layers_conformance.reporting.allure_attach import label_requirement

        label_requirement(requirement)
    yield
    state.current = None


def _marked_requirement(item: pytest.Item) -> Requirement | None:
    marker = item.get_closest_marker(MARKER)
    return load_catalogue().get(marker.args[0]) if marker and marker.args else None


# --- per-test verdicts --------------------------------------------------------------------


def pytest_runtest_setup(item: pytest.Item) -> None:
    requirement = _marked_requirement(item)
    state = item.config.stash[STATE]
    if requirement is None or state.target is None:
        return
    from layers_conformance.run.start import missing_fixtures

    missing = missing_fixtures(requirement, state.target)
    if missing:
        pytest.skip(f"target {state.options.target!r} provides no {', '.join(missing)}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    requirement = _marked_requirement(item)
    if (
        requirement is None
        or report.when == "teardown"
        or (report.when == "setup" and report.passed)
    ):
        return report
    from layers_conformance.verdicts import attach_record, judge

    state = item.config.stash[STATE]
    use = state.probe.take_use() if state.probe else None
    verdict = judge(requirement, report, call.excinfo, item.nodeid, use)
    verdict.apply(report)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    requests_sent = state.probe.client.requests_sent if state.probe else 0
    used = use.requests if use else 0
    attach_record(report, verdict.record(worker, requests_sent, item.nodeid, used))
    report.user_properties += [
        ("requirement", requirement.id),
        ("level", requirement.level),
        ("conformance_status", verdict.status),
    ]
    if verdict.stops_run:
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
    return None


# --- end of the session -------------------------------------------------------------------


class _Recorder:
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


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[STATE]
    state.stack.close()
    if not state.runs_suites or hasattr(session.config, "workerinput"):
        return
    from layers_conformance.run.finish import finish_run

    run = finish_run(state.options, state.target, state.tally, _budget(state))
    state.result = run
    if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        failed = run.verdict == "fail" or state.unjudged_failures > 0
        session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK


def _budget(state: RunState) -> int:
    from layers_conformance.run.start import request_budget

    return request_budget(state.options, state.target)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash[STATE].result
    if run is None:
        return
    from layers_conformance.run.finish import summary_lines

    terminalreporter.section("layers-conformance")
    for line in summary_lines(run, config.stash[STATE].options):
        terminalreporter.write_line(line)
