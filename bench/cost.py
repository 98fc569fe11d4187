"""Cost per profile: wall time, CPU time and requests of a whole suite run on the reference."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from common import OUT, Timed, run_timed, suite_command, summarize, tail

PROFILES = ("smoke", "standard", "thorough")


def run_report(report_dir: Path) -> dict[str, object]:
    """The run's conformance.json (the embedded target's report directory)."""
    data: dict[str, object] = json.loads(
        (report_dir / "reference" / "conformance.json").read_text(encoding="utf-8")
    )
    return data


def one_run(profile: str, index: int) -> tuple[Timed, dict[str, object]]:
    """One suite run at `profile`; fails loudly when it wrote no report or did not pass."""
    report_dir = OUT / "cost" / f"{profile}-{index}"
    timed = run_timed(suite_command(profile, report_dir))
    if timed.returncode != 0:
        raise RuntimeError(f"{profile} run {index} exited {timed.returncode}:\n{tail(timed)}")
    return timed, run_report(report_dir)


def measure(runs: int) -> list[str]:
    """Markdown for section 1; the profiles' runs are interleaved so noise hits all alike."""
    walls, cpus, requests = defaultdict(list), defaultdict(list), defaultdict(list)
    verdicts: dict[str, set[str]] = defaultdict(set)
    for index in range(runs):
        for profile in PROFILES:
            timed, report = one_run(profile, index)
            walls[profile].append(timed.wall_s)
            cpus[profile].append(timed.cpu_s)
            requests[profile].append(float(report["requests"]))  # type: ignore[arg-type]
            verdicts[profile].add(str(report["verdict"]))
    lines = [
        "| profile | wall time | CPU time (user+sys) | requests | verdict |",
        "|---|---|---|---|---|",
    ]
    for profile in PROFILES:
        wall, cpu = summarize(walls[profile]).fmt(), summarize(cpus[profile]).fmt()
        count = summarize(requests[profile]).fmt("", 0)
        lines.append(f"| {profile} | {wall} | {cpu} | {count} | {', '.join(verdicts[profile])} |")
    return lines
