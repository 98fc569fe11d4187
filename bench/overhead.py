"""Overhead: the standard run against a bare httpx loop sending exactly its requests.

Section 2 of `python bench/run.py`; on its own, `python bench/overhead.py` rewrites that
section of results.md in place (`--runs` below 5 writes bench/out/overhead.md instead).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from common import (
    BENCH,
    OUT,
    PYTHON,
    ROOT,
    Timed,
    machine,
    run_timed,
    suite_command,
    summarize,
    tail,
)
from sizes import write_section

TITLE = "2. Overhead: the standard run against a bare httpx replay of its requests"
RUNS = 5
GOALS = (("issue 16's", 1.5), ("issue 25's", 3.0))  # the suite at most this many replays
# The run as a user's install meets it: bytecode cached (pip compiles a wheel's modules on
# install; pytest caches the modules it rewrites), which PYTHONDONTWRITEBYTECODE=1 and an
# editable install deny. Cached under bench/out, so the runs "as found" stay as found.
CACHED = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(OUT / "pycache")}


def record(path: Path) -> int:
    """One standard run with the dump plugin; the number of requests it wrote."""
    command = suite_command("standard", OUT / "overhead" / "record")
    command += ["-p", "dump_exchanges", f"--bench-dump={path}"]
    timed = run_timed(command, env={"PYTHONPATH": str(BENCH)})
    if timed.returncode != 0 or not path.is_file():
        raise RuntimeError(f"recording run failed ({timed.returncode}):\n{tail(timed)}")
    return len(json.loads(path.read_text(encoding="utf-8")))


def suite_run(index: int, env: dict[str, str] | None = None) -> Timed:
    folder = f"suite-{index}" + ("-cached" if env else "")
    timed = run_timed(suite_command("standard", OUT / "overhead" / folder), env=env)
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
    suite_run(-1, CACHED)  # fills the bytecode cache
    found: list[Timed] = []
    cached: list[Timed] = []
    replays: list[Timed] = []
    mismatches = set()
    for index in range(runs):
        found.append(suite_run(index))
        cached.append(suite_run(index, CACHED))
        timed, counts = replay_run(requests)
        replays.append(timed)
        mismatches.add(counts["status_mismatches"])
    return _table({"as found": found, "bytecode cached": cached}, replays, recorded, mismatches)


def _table(
    suites: dict[str, list[Timed]], replays: list[Timed], recorded: int, mismatches: set[int]
) -> list[str]:
    replay_wall = summarize([t.wall_s for t in replays])
    replay_cpu = summarize([t.cpu_s for t in replays])
    rows, ratios = [], []
    for name, suite in suites.items():
        wall, cpu = summarize([t.wall_s for t in suite]), summarize([t.cpu_s for t in suite])
        rows.append(f"| `pytest suites --profile standard`, {name} | {wall.fmt()} | {cpu.fmt()} |")
        paired = statistics.median(s.wall_s / r.wall_s for s, r in zip(suite, replays, strict=True))
        ratio = wall.median / replay_wall.median
        verdicts = ", ".join(
            f"{goal} {limit}x: **{'meets' if ratio <= limit else 'does NOT meet'}**"
            for goal, limit in GOALS
        )
        ratios.append(
            f"- {name}: **wall-time ratio of medians {ratio:.2f}x** (median of the "
            f"{len(suite)} paired ratios: {paired:.2f}x); CPU ratio of medians "
            f"{cpu.median / replay_cpu.median:.2f}x; goals: {verdicts}"
        )
    return [
        "| process | wall time | CPU time (user+sys) |",
        "|---|---|---|",
        *rows,
        f"| bare httpx replay (`bench/replay.py`) | {replay_wall.fmt()} | {replay_cpu.fmt()} |",
        "",
        f"- requests replayed: {recorded}, in the recorded order, with the same headers; "
        f"answers whose status differed from the recorded run: {sorted(mismatches)}",
        "- bytecode cached: `PYTHONDONTWRITEBYTECODE` unset and `PYTHONPYCACHEPREFIX` under "
        "bench/out, filled by one run first: what an install from the wheel meets (pip "
        "compiles its modules; pytest caches the modules it rewrites for assertions)",
        *ratios,
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python bench/overhead.py", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"rounds (default {RUNS})")
    runs = parser.parse_args(argv).runs
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    header = [
        f"### {TITLE}",
        "",
        f"Written by `python bench/overhead.py --runs {runs}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`:",
        "",
        *machine(),
        "",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    write_section([*header, *measure(runs)], runs >= RUNS, "overhead.md", f"### {TITLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
