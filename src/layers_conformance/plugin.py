"""The pytest plugin: options, the requirement marker, the probe fixture, verdicts and reports.

It reads top-down: options, configuration, collection, fixtures, the per-test verdict,
then the end of the session. The work itself lives in the layers below (see
ARCHITECTURE.md), which never import pytest; this module and `verdicts` wire them to
pytest's hooks.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field, replace
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
    from layers_conformance.core.exchange import Exchange
    from layers_conformance.core.results import PairCoverage, RunResult
    from layers_conformance.core.targets import Target
    from layers_conformance.probing.probe import Probe
    from layers_conformance.probing.space import Ground
    from layers_conformance.run.recheck import Recheck
    from layers_conformance.run.waivers import WaiverBook

MARKER = "requirement"
SMOKE_MARKER = "smoke"
SEQUENTIAL_MARKER = "sequential"
PROFILE_NAMES = ("smoke", "standard", "thorough")
PATH_OPTIONS = (
    "--targets-file", "--report-dir", "--archived-ids-file", "--waivers", "--rerun-failed",
    "--replay",
)  # fmt: skip
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
WARN, INCONCLUSIVE, WAIVED, FLAKY = "warn", "inconclusive", "waived", "flaky"
RECHECK_PAUSE_S = 5.0
SEED_KEY = "layers_conformance_seed"  # in xdist's workerinput
DEFAULT_CONCURRENCY = 8
EXCHANGES_KEY = "layers_conformance_exchanges"  # in xdist's workeroutput
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
    deselected: bool = False  # -k, -m or the smoke profile left tests out
    current: pytest.Item | None = None
    attached: set[int] = field(default_factory=set)  # ids of exchanges attached to `current`
    result: RunResult | None = None
    waivers: WaiverBook | None = None
    # Every exchange as a HAR entry (see `reporting.har`). Under xdist each worker has its
    # own client: its exchanges reach the controller in `workeroutput` as it ends.
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    described: dict[str, Any] | None = None  # the target as `run.json` records it


STATE = pytest.StashKey[RunState]()
# A test's failure that was looked at again, and what the second look saw.
RECHECKED = pytest.StashKey[tuple[BaseException, "Recheck"]]()
# The query space's pairs one test's cases sent: put on its record (see TestRecord.coverage).
COVERAGE = pytest.StashKey[list["PairCoverage"]]()


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
    group.addoption(
        "--concurrency",
        dest="lc_concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"independent requests in flight at once, within the rate limit and budget "
        f"(default {DEFAULT_CONCURRENCY}; 1 sends one at a time)",
    )
    group.addoption(
        "--certify",
        dest="lc_certify",
        action="store_true",
        help="a certification run: every MUST exercised, and an evidence bundle written",
    )
    group.addoption(
        "--replay",
        dest="lc_replay",
        type=Path,
        default=None,
        help="answer from an unpacked evidence bundle, sending nothing (used by verify)",
    )
    for option, metavar, help_text in TARGET_OPTIONS:
        group.addoption(option, dest=_dest(option), metavar=metavar, default=None, help=help_text)
    group.addoption(
        "--requirement",
        dest="lc_requirements",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="run only these requirements' tests; the rest are reported skip",
    )
    group.addoption(
        "--rerun-failed",
        dest="lc_rerun_failed",
        type=Path,
        default=None,
        metavar="REPORT.json",
        help="run only the requirements that did not hold in this earlier conformance.json",
    )
    group.addoption(
        "--recheck",
        dest="lc_recheck",
        action="store_true",
        help="look at a failing MUST once more before reporting it (always on in smoke)",
    )
    group.addoption(
        "--recheck-pause",
        dest="lc_recheck_pause",
        type=float,
        default=RECHECK_PAUSE_S,
        metavar="SECONDS",
        help=f"pause before a recheck (default: {RECHECK_PAUSE_S:g})",
    )
    group.addoption(
        "--waivers",
        dest="lc_waivers",
        type=Path,
        action="append",
        default=[],
        help="YAML of known deviations waived until a date (repeatable)",
    )


def _dest(option: str) -> str:
    return "lc_" + option.removeprefix("--").replace("-", "_")


# --- configuration ------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(id): the catalogue requirement a test verifies")
    config.addinivalue_line("markers", f"{SMOKE_MARKER}: part of the production-safe profile")
    config.addinivalue_line(
        "markers",
        f"{SEQUENTIAL_MARKER}: a long chain of dependent requests, started first so that the "
        "requests fetched ahead run beside it",
    )
    _check_root_directory(config)
    options = _options(config)
    state = RunState(options, runs_suites=_runs_suites(config))
    config.stash[STATE] = state
    config.pluginmanager.register(_Recorder(state), "layers-conformance-recorder")
    from layers_conformance.core.targets import ConfigError
    from layers_conformance.reporting.json_report import ReportError
    from layers_conformance.run.options import resolve_target
    from layers_conformance.run.waivers import open_book

    try:
        state.target = resolve_target(options)
        entry = (state.target.waivers,) if state.target and state.target.waivers else ()
        state.waivers = open_book(options.waivers + entry, options.target)
    except (ConfigError, ReportError) as error:
        raise pytest.UsageError(str(error)) from None
    if state.target is not None:
        from layers_conformance.core.redaction import REDACTOR

        REDACTOR.add(state.target.auth.secrets())  # before anything can be printed
    _check_faults(options.reference_faults)
    if options.certify:
        _check_certifiable(config, state)
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
    from layers_conformance.run.selection import select_requirements

    seed = config.getoption("lc_seed")
    worker_input: dict[str, Any] = getattr(config, "workerinput", {})
    if SEED_KEY in worker_input:
        seed = worker_input[SEED_KEY]
    targets_file = config.getoption("lc_targets_file")
    values = {_dest(o).removeprefix("lc_"): config.getoption(_dest(o)) for o, *_ in TARGET_OPTIONS}
    try:
        flags = target_flags(values, targets_file)
        selected = select_requirements(
            config.getoption("lc_requirements"),
            config.getoption("lc_rerun_failed"),
            load_catalogue(),
        )
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
        concurrency=_concurrency(config),
        flags=flags,
        waivers=tuple(config.getoption("lc_waivers")),
        selected=selected,
        recheck_pause_s=_recheck_pause(config),
        certify=config.getoption("lc_certify"),
        replay=config.getoption("lc_replay"),
    )


def _concurrency(config: pytest.Config) -> int:
    value: int = config.getoption("lc_concurrency")
    if value < 1:
        raise pytest.UsageError(f"--concurrency={value} must be at least 1")
    return value


def _positive(config: pytest.Config, dest: str, flag: str) -> float | None:
    value: float | None = config.getoption(dest)
    if value is not None and value <= 0:
        raise pytest.UsageError(f"{flag}={value} must be a positive number")
    return value


def _recheck_pause(config: pytest.Config) -> float | None:
    pause: float = config.getoption("lc_recheck_pause")
    if pause < 0:
        raise pytest.UsageError(f"--recheck-pause={pause} must not be negative")
    rechecks = config.getoption("lc_recheck") or config.getoption("lc_profile") == "smoke"
    return pause if rechecks else None


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
        config.pluginmanager.register(_EveryMust(), "layers-conformance-every-must")


def _runs_suites(config: pytest.Config) -> bool:
    # Only a run of the conformance suites writes reports; `pytest tests` (self-tests) does not.
    return any("suites" in Path(str(arg).split("::")[0]).parts for arg in config.args)


def _default_report_paths(config: pytest.Config, directory: Path) -> None:
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(directory / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(directory / "allure-results")
        from layers_conformance.reporting.sweep import clear_allure_results

        clear_allure_results(directory / "allure-results")


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


# --- collection ---------------------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    catalogue = load_catalogue()
    for item in items:
        if "conformance" in getattr(item, "fixturenames", ()):
            _requirement_of(item, catalogue)
    items.sort(key=lambda item: item.get_closest_marker(SEQUENTIAL_MARKER) is None)  # stable
    state = config.stash[STATE]
    selected = state.options.selected
    if selected is not None:
        from layers_conformance.run.selection import NOT_SELECTED

        _keep_only(config, items, lambda item: _in_selection(item, selected), NOT_SELECTED)
    if state.options.profile == "smoke":
        smoke = "not part of the smoke profile"
        _keep_only(config, items, lambda i: bool(i.get_closest_marker(SMOKE_MARKER)), smoke)


def _keep_only(
    config: pytest.Config, items: list[pytest.Item], keep: Callable[[pytest.Item], bool], why: str
) -> None:
    """Deselect the items `keep` refuses, noting `why` for their requirements' reports."""
    dropped = [item for item in items if not keep(item)]
    _note_not_run(config.stash[STATE], dropped, why)
    config.hook.pytest_deselected(items=dropped)
    items[:] = [item for item in items if keep(item)]


def _in_selection(item: pytest.Item, selected: frozenset[str]) -> bool:
    requirement = _marked_requirement(item)
    return requirement is not None and requirement.id in selected


class _EveryMust:
    """A certification stops before its first request when a MUST has no test to run.

    Registered for a certification only, and never in an xdist worker: the controller has
    already refused every option that narrows the run, and a worker's error would be garbled.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from layers_conformance.run.certify import uncollected

        marked = (_marked_requirement(item) for item in items)
        problem = uncollected(load_catalogue(), (r.id for r in marked if r is not None))
        if problem:
            raise pytest.UsageError(problem)


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    if items:
        _note_not_run(items[0].config.stash[STATE], items, "deselected in this run (-k or -m)")


def _note_not_run(state: RunState, items: Sequence[pytest.Item], reason: str) -> None:
    state.deselected = True
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
        state.tally.aborted, state.tally.stopped = str(error), True
        pytest.exit(f"layers-conformance: {error}", returncode=1)
    state.described = describe_run(state.options, state.target, state.probe.plan.budget)
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

    from layers_conformance.reporting.har import har_entry

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    def keep(exchange: Exchange) -> None:
        state.exchanges.append(har_entry(exchange, datetime.now(UTC), worker))

    return keep


def _allure_attacher(config: pytest.Config, state: RunState) -> Callable[[Exchange], None] | None:
    if not getattr(config.option, "allure_report_dir", None):
        return None
    from layers_conformance.reporting.allure_attach import attach_exchange

    def attach(exchange: Exchange) -> None:
        # Each test shows the exchanges it judged, once each, whoever fetched them first.
        if state.current is not None and id(exchange) not in state.attached:
            state.attached.add(id(exchange))
            attach_exchange(exchange)

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


@pytest.fixture(autouse=True)
def _conformance_labels(request: pytest.FixtureRequest) -> Iterator[None]:
    state = request.config.stash[STATE]
    requirement = _marked_requirement(request.node)
    state.current = request.node if requirement else None
    state.attached = set()
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
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    except Exception as error:
        state = item.config.stash[STATE]
        requirement = _marked_requirement(item)
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
    requirement = _marked_requirement(item)
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
    used = use.requests if use else 0
    record = verdict.record(worker, requests_sent, tuple(coverage), item.nodeid, used)
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


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Gather a pytest-xdist worker's exchanges as it ends: its client was its own."""
    output = getattr(node, "workeroutput", {})  # a worker that crashed sent none
    node.config.stash[STATE].exchanges += output.get(EXCHANGES_KEY, [])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[STATE]
    state.stack.close()
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output[EXCHANGES_KEY] = state.exchanges
    if not state.runs_suites or worker_output is not None:
        return
    from layers_conformance.run.finish import finish_run

    # A selection may leave nothing to run (--rerun-failed of a clean report): not an error.
    judged = [pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED]
    if state.options.selected is not None:
        judged.append(pytest.ExitCode.NO_TESTS_COLLECTED)
    if exitstatus not in judged and not state.tally.aborted:
        # Whatever stopped pytest (an internal error, an interrupt, nothing collected), the
        # requirements it did not reach were not shown to hold: the run never passes.
        state.tally.aborted = _unfinished(exitstatus)
    run = finish_run(
        state.options,
        state.target,
        state.tally,
        state.waivers,
        state.exchanges,
        state.described,
        _budget(state),
    )
    state.result = run
    _sweep_reports(session.config)
    # Under pytest-xdist a worker's stop reaches the controller as an interrupt: a run that
    # stopped itself (target gone, rate limited, deadline) is a failure, exit 1, all the same.
    stopped_itself = exitstatus == pytest.ExitCode.INTERRUPTED and state.tally.stopped
    if exitstatus in judged or stopped_itself:
        failed = run.verdict == "fail" or state.unjudged_failures > 0
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
