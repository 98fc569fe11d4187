"""The command line: the plugin's options declared to pytest and read into `Options`
(`run/options.py` checks them), and the check that pytest found the configuration file
the command meant."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from layers_conformance.core.targets import ConfigError
from layers_conformance.plugin.state import SEED_KEY
from layers_conformance.run.options import REFERENCE, Options, path_written_apart, read_options

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
RECHECK_PAUSE_S = 5.0
DEFAULT_CONCURRENCY = 8
DEST_PREFIX = "lc_"  # every option's destination starts with it


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
        "--reference-gateway",
        dest="lc_gateway",
        default=None,
        metavar="MODE[:RPS]",
        help="put the embedded reference behind a production gateway (self-tests; "
        "layers-conformance serve --list-gateways lists them)",
    )
    group.addoption(
        "--reference-live",
        dest="lc_live",
        type=float,
        default=None,
        metavar="RATE",
        help="a live embedded reference: about one change (created, archived, moved) every "
        "RATE requests, drawn from the run's seed",
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


def read(config: pytest.Config) -> Options:
    """The options of this session, checked (`run.options.read_options`); an xdist worker
    takes the controller's seed, and the count of workers that share the run's budget and
    rate from xdist's `workerinput`: PYTEST_XDIST_WORKER_COUNT may be inherited from a job
    that started this run and is no part of it."""
    given = {
        dest.removeprefix(DEST_PREFIX): value
        for dest, value in vars(config.option).items()
        if dest.startswith(DEST_PREFIX)
    }
    worker_input: dict[str, Any] = getattr(config, "workerinput", {})
    if SEED_KEY in worker_input:
        given["seed"] = worker_input[SEED_KEY]
    try:
        options = read_options(given)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    return replace(options, workers=max(1, int(worker_input.get("workercount", 1))))


def check_root_directory(config: pytest.Config) -> None:
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
