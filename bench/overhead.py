"""Overhead: the standard run against a bare httpx loop sending exactly its requests."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from common import BENCH, OUT, PYTHON, Timed, run_timed, suite_command, summarize, tail

GOAL = 1.5  # the issue's: the suite at most 1.5x the replay


def record(path: Path) -> int:
    """One standard run with the dump plugin; the number of requests it wrote."""
    command = suite_command("standard", OUT / "overhead" / "record")
    command += ["-p", "dump_exchanges", f"--bench-dump={path}"]
    timed = run_timed(command, env={"PYTHONPATH": str(BENCH)})
    if timed.returncode != 0 or not path.is_file():
        raise RuntimeError(f"recording run failed ({timed.returncode}):\n{tail(timed)}")
    return len(json.loads(path.read_text(encoding="utf-8")))


def suite_run(index: int) -> Timed:
    timed = run_timed(suite_command("standard", OUT / "overhead" / f"suite-{index}"))
    if timed.returncode != 0:
        raise RuntimeError(f"standard run {index} failed:\n{tail(timed)}")
    return timed


def replay_run(requests: Path) -> tuple[Timed, dict[str, int]]:
    timed = run_timed([PYTHON, str(BENCH / "replay.py"), str(requests)])
    if timed.returncode != 0:
        raise RuntimeError(f"replay failed:\n{tail(timed)}")
    return timed, json.loads(timed.stdout.strip().splitlines()[-1])


def measure(runs: int) -> list[str]:
    """Markdown for section 2; suite and replay alternate, so both meet the same noise."""
    requests = OUT / "overhead" / "requests.json"
    recorded = record(requests)
    suite: list[Timed] = []
    replays: list[Timed] = []
    mismatches = set()
    for index in range(runs):
        suite.append(suite_run(index))
        timed, counts = replay_run(requests)
        replays.append(timed)
        mismatches.add(counts["status_mismatches"])
    return _table(suite, replays, recorded, mismatches)


def _table(
    suite: list[Timed], replays: list[Timed], recorded: int, mismatches: set[int]
) -> list[str]:
    walls = summarize([t.wall_s for t in suite]), summarize([t.wall_s for t in replays])
    cpus = summarize([t.cpu_s for t in suite]), summarize([t.cpu_s for t in replays])
    ratio = walls[0].median / walls[1].median
    paired = statistics.median(s.wall_s / r.wall_s for s, r in zip(suite, replays, strict=True))
    verdict = "meets" if ratio <= GOAL else "does NOT meet"
    return [
        "| process | wall time | CPU time (user+sys) |",
        "|---|---|---|",
        f"| `pytest suites --profile standard` | {walls[0].fmt()} | {cpus[0].fmt()} |",
        f"| bare httpx replay (`bench/replay.py`) | {walls[1].fmt()} | {cpus[1].fmt()} |",
        "",
        f"- requests replayed: {recorded}, in the recorded order, with the same headers; "
        f"answers whose status differed from the recorded run: {sorted(mismatches)}",
        f"- **wall-time ratio of medians: {ratio:.2f}x** (median of the {len(suite)} "
        f"paired ratios: {paired:.2f}x); CPU ratio of medians: "
        f"{cpus[0].median / cpus[1].median:.2f}x",
        f"- the issue's goal (at most {GOAL}x) is: **{verdict}**",
    ]
