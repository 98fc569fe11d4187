"""What the command line asked for, validated, and the target it names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layers_conformance.core.targets import Target, load_target

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
    certify: bool = False
    replay: Path | None = None  # an unpacked evidence bundle to answer from, instead of a target

    @property
    def target_report_dir(self) -> Path:
        """Where this run's reports go: one folder per target."""
        return self.report_dir / self.target


def resolve_target(options: Options) -> Target | None:
    """The configured target, or None for the embedded reference (started on first use)."""
    if options.replay is not None:
        from layers_conformance.run.replay import replay_target

        return replay_target(options.replay)
    if options.target == REFERENCE and options.targets_file is None:
        return None
    path = options.targets_file or DEFAULT_TARGETS_FILE
    return load_target(path, options.target)
