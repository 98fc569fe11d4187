"""What the command line asked for, validated, and the target it names."""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.core.targets import (
    ConfigError,
    Target,
    TargetFlags,
    check_target_name,
    load_embedded,
    load_target,
    target_from_flags,
)

REFERENCE = "reference"
DEFAULT_TARGETS_FILE = Path("targets.yaml")
# The options that describe a target instead of a targets file: --base-url and companions.
TARGET_FLAG_NAMES = tuple(field.name for field in fields(TargetFlags))


@dataclass(frozen=True)
class Options:
    """What the command line asked for, validated."""

    target: str
    targets_file: Path | None
    profile: str
    report_dir: Path
    seed: int
    rate_limit_rps: float | None = None
    deadline_s: float | None = None
    reference_faults: tuple[str, ...] = ()
    reference_size: int = 160
    reference_live: float | None = None  # a live reference: one change every this many requests
    reference_gateway: str | None = None  # MODE[:RPS] of `reference.gateway`, in front of it
    concurrency: int = 1  # independent requests in flight at once; 1 sends one at a time
    flags: TargetFlags | None = None  # a target given by --base-url and its companions
    waivers: tuple[Path, ...] = ()  # --waivers files (a targets entry may name one more)
    selected: frozenset[str] | None = None  # the requirements to run; None for all
    recheck_pause_s: float | None = None  # a failure is rechecked after this pause; None: not
    certify: bool = False
    replay: Path | None = None  # an unpacked evidence bundle to answer from, instead of a target
    # The pytest-xdist workers of this run, which share its budget and rate: xdist's own
    # `workerinput` says so (`plugin.options.read`), never an inherited environment variable.
    workers: int = 1

    @property
    def target_report_dir(self) -> Path:
        """Where this run's reports go: one folder per target."""
        return self.report_dir / self.target


def read_options(given: Mapping[str, Any]) -> Options:
    """Options from the command line's values, each checked; a problem is a one-line
    `ConfigError` naming the option and the rule.

    `given` is keyed by option, without its dashes (`rate_limit` for --rate-limit; the
    plugin's destinations without `lc_`), the values as parsed; a seed of None is drawn.
    """
    from layers_conformance.run.selection import select_requirements

    targets_file: Path | None = given["targets_file"]
    flags = target_flags({name: given[name] for name in TARGET_FLAG_NAMES}, targets_file)
    selected = select_requirements(given["requirements"], given["rerun_failed"], load_catalogue())
    if targets_file is None and flags is None and DEFAULT_TARGETS_FILE.is_file():
        targets_file = DEFAULT_TARGETS_FILE
    target: str = given["target"]
    if flags is not None and target == REFERENCE:
        target = flags_target_name(flags)
    size = _at_least_one(given["size"], "--reference-size")
    seed: int | None = given["seed"]
    options = Options(
        target=target,
        targets_file=targets_file,
        profile=given["profile"],
        report_dir=given["report_dir"],
        seed=seed if seed is not None else random.SystemRandom().randrange(2**31),
        rate_limit_rps=_positive(given["rate_limit"], "--rate-limit"),
        deadline_s=_positive(given["deadline"], "--deadline"),
        reference_faults=tuple(given["faults"]),
        reference_size=size,
        reference_live=_live_rate(given["live"]),
        reference_gateway=_gateway(given["gateway"]),
        concurrency=_at_least_one(given["concurrency"], "--concurrency"),
        flags=flags,
        waivers=tuple(given["waivers"]),
        selected=selected,
        recheck_pause_s=_recheck_pause(given),
        certify=given["certify"],
        replay=given["replay"],
    )
    return with_embedded_settings(options)


def _live_rate(rate: float | None) -> float | None:
    if rate is not None and not 1 <= rate < math.inf:
        raise ConfigError(f"--reference-live={rate} must be a number of requests, at least 1")
    return rate


def _gateway(spec: str | None) -> str | None:
    if spec is not None:
        from layers_conformance.reference.gateway import parse_gateway

        try:
            parse_gateway(spec)
        except ValueError as error:
            raise ConfigError(f"--reference-gateway: {error}") from None
    return spec


def _at_least_one(value: int, flag: str) -> int:
    if value < 1:
        raise ConfigError(f"{flag}={value} must be at least 1")
    return value


def _positive(value: float | None, flag: str) -> float | None:
    if value is not None and value <= 0:
        raise ConfigError(f"{flag}={value} must be a positive number")
    return value


def _recheck_pause(given: Mapping[str, Any]) -> float | None:
    """The pause before a recheck, or None when failures are not rechecked."""
    pause: float = given["recheck_pause"]
    if pause < 0:
        raise ConfigError(f"--recheck-pause={pause} must not be negative")
    return pause if given["recheck"] or given["profile"] == "smoke" else None


def check_faults(names: Sequence[str]) -> None:
    """Every --reference-fault names an entry of the reference's fault catalogue."""
    if not names:
        return
    from layers_conformance.reference.faults import CATALOGUE

    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        raise ConfigError(
            f"--reference-fault: unknown fault {unknown[0]!r} "
            "(layers-conformance serve --list-faults lists them)"
        )


def target_flags(values: Mapping[str, str | None], targets_file: Path | None) -> TargetFlags | None:
    """The target `--base-url` and its companions describe (keyed by TargetFlags' fields),
    or None when no --base-url is given; a companion without it is a ConfigError."""
    given = {name: value for name, value in values.items() if value is not None}
    if "base_url" not in given:
        if given:
            flag = "--" + next(iter(given)).replace("_", "-")
            raise ConfigError(f"{flag} describes a target given by --base-url, which is missing")
        return None
    if targets_file is not None:
        raise ConfigError("--base-url and --targets-file both name a target: give one of them")
    ids_file = given.pop("archived_ids_file", None)
    return TargetFlags(**given, archived_ids_file=None if ids_file is None else Path(ids_file))


def flags_target_name(flags: TargetFlags) -> str:
    """What a target given by --base-url is called in reports (and their folder): its host,
    any character a target name cannot hold made a '-' (an IPv6 address's colons)."""
    host = re.sub(r"[^A-Za-z0-9._-]", "-", urlsplit(flags.base_url).hostname or "")
    try:
        return check_target_name(host.strip("-."), "--base-url")
    except ConfigError:
        return "command-line"


def check_report_folder(options: Options) -> Path:
    """The run's report folder, if its target's name is safe and the folder, links followed,
    is inside the report directory; else a ConfigError."""
    check_target_name(options.target, "--target")
    folder = options.target_report_dir
    if not folder.resolve().is_relative_to(options.report_dir.resolve()):
        raise ConfigError(
            f"--report-dir: {folder} leads outside {options.report_dir} (a link?); "
            "reports are written only inside the report directory"
        )
    return folder


def path_written_apart(args: Sequence[str], options: Sequence[str]) -> tuple[str, str] | None:
    """The first of `options` written `--option PATH` (not `--option=PATH`) with PATH an
    existing path: pytest, which picks its root directory and configuration file from the
    paths on its command line before it knows a plugin's options, took PATH for a test path."""
    for option, value in itertools.pairwise(args):
        if option in options and Path(value).exists():
            return option, value
    return None


def resolve_target(options: Options) -> Target | None:
    """The configured target, or None for the embedded reference (started on first use)."""
    check_report_folder(options)
    if options.replay is not None:
        # Imported here, not at the top: the plugin imports this module and stays cheap.
        from layers_conformance.run.replay import replay_target

        return replay_target(options.replay)
    from layers_conformance.run.preflight import check_roles

    if options.flags is not None:
        target = target_from_flags(options.flags, options.target)
        check_roles(target.fixtures, "command line", lambda role: "--" + role.replace("_", "-"))
        return target
    if embedded(options):
        return None
    path = options.targets_file or DEFAULT_TARGETS_FILE
    target = load_target(path, options.target)
    check_roles(target.fixtures, f"{path}: target {target.name!r}", "fixtures.{}".format)
    return target


def embedded(options: Options) -> bool:
    """Whether the run's target is the embedded reference (by default, or by its entry)."""
    if options.target == REFERENCE and options.targets_file is None:
        return True
    path = options.targets_file or DEFAULT_TARGETS_FILE
    return options.flags is None and load_embedded(path, options.target) is not None


def with_embedded_settings(options: Options) -> Options:
    """The options with what a targets entry of the embedded reference sets: its `size`, and
    its `live` unless --reference-live gives one."""
    if options.flags is not None or options.targets_file is None or options.replay is not None:
        return options
    entry = load_embedded(options.targets_file, options.target)
    if entry is None:
        return options
    live = options.reference_live if options.reference_live is not None else entry.live
    size = options.reference_size if entry.size is None else entry.size
    return replace(options, reference_live=live, reference_size=size)
