"""What the command line asked for, validated, and the target it names."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from layers_conformance.core.targets import (
    ConfigError,
    Target,
    TargetFlags,
    check_target_name,
    load_target,
    target_from_flags,
)

REFERENCE = "reference"
DEFAULT_TARGETS_FILE = Path("targets.yaml")


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
    concurrency: int = 1  # independent requests in flight at once; 1 sends one at a time
    flags: TargetFlags | None = None  # a target given by --base-url and its companions
    waivers: tuple[Path, ...] = ()  # --waivers files (a targets entry may name one more)
    selected: frozenset[str] | None = None  # the requirements to run; None for all
    recheck_pause_s: float | None = None  # a failure is rechecked after this pause; None: not
    certify: bool = False
    replay: Path | None = None  # an unpacked evidence bundle to answer from, instead of a target

    @property
    def target_report_dir(self) -> Path:
        """Where this run's reports go: one folder per target."""
        return self.report_dir / self.target


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
        from layers_conformance.run.replay import replay_target

        return replay_target(options.replay)
    if options.flags is not None:
        return target_from_flags(options.flags, options.target)
    if options.target == REFERENCE and options.targets_file is None:
        return None
    path = options.targets_file or DEFAULT_TARGETS_FILE
    return load_target(path, options.target)
