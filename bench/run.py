"""The benchmarks of the issue, in one command: `python bench/run.py` writes bench/results.md.

Sections: 1 cost per profile, 2 overhead against a bare replay, 3 scale, 4 side by side
with Schemathesis, 5 where the time goes, 6 time to verdict behind a delay proxy.
Raw outputs go to bench/out/ (gitignored).
`--quick` runs fewer repetitions, two sizes and a few faults, and writes
bench/out/results-quick.md instead, so the committed results always come from a full run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import cost
import latency
import overhead
import profiling
import scale
import versus
from common import BENCH, OUT, ROOT, SEED, machine
from layers_conformance.reference.faults import FAULTS

RUNS = 5
QUICK_RUNS = 2
QUICK_FAULTS = tuple(FAULTS)[::8]  # one in eight: every area of the catalogue, roughly
SECTIONS = ("cost", "overhead", "scale", "versus", "profile", "latency")
TITLES = {
    "cost": "1. Cost per profile (embedded reference, whole `pytest` process)",
    "overhead": overhead.TITLE,
    "scale": "3. Scale: full traversal at limit 100 (the suite's walk + invariants)",
    "versus": "4. Side by side with Schemathesis (faults killed, wall time)",
    "profile": "5. Where the time goes",
    "latency": "6. Time to verdict at network latency, against the run's floor",
}


def section(name: str, runs: int, quick: bool) -> list[str]:
    """The Markdown lines of one section."""
    measures: dict[str, Callable[[], list[str]]] = {
        "cost": lambda: cost.measure(runs),
        "overhead": lambda: overhead.measure(runs),
        "scale": lambda: scale.measure(runs, scale.QUICK_SIZES if quick else scale.SIZES),
        "versus": lambda: versus.measure(QUICK_FAULTS if quick else tuple(FAULTS)),
        "profile": lambda: profiling.measure(runs),
        "latency": lambda: latency.measure(runs, (0, 50) if quick else latency.RTTS_MS),
    }
    started = time.perf_counter()
    lines = measures[name]()
    took = time.perf_counter() - started
    print(f"{name}: {took:.0f} s", file=sys.stderr, flush=True)
    return [f"### {TITLES[name]}", "", *lines, "", f"_(section measured in {took:.0f} s)_", ""]


def header(args: argparse.Namespace, runs: int) -> list[str]:
    """Title, command, commit and machine: what a reader needs to weigh the numbers."""
    command = "python bench/run.py" + (" --quick" if args.quick else "")
    return [
        "# Benchmarks: what a run costs, how it scales, how it compares with Schemathesis",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit "
        f"{_commit()}. Regenerate with the same command (see bench/README.md).",
        "",
        "## Machine",
        "",
        *machine(),
        f"- environment: `PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')}`"
        " (as found; section 5 shows what it costs)",
        "",
        "## Method",
        "",
        f"- every timing is the median of {runs} runs, with (min-max); the things compared "
        "run interleaved (A, B, A, B, ...) so the shared machine's noise falls on both",
        "- wall time is the whole child process (start-up, the reference server's start, "
        "reports); CPU time is user+sys of the child and its children (getrusage deltas)",
        f"- suite runs use `--seed {SEED}`, so every run sends the same requests",
        "- section 4 runs each server once per tool (not five times), to stay within time",
        "- no timing here is an assertion anywhere: these are measurements, not tests",
        "",
        "## Results",
        "",
    ]


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    return f"`{git('rev-parse', '--short', 'HEAD')}`{dirty}"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fast partial run")
    parser.add_argument("--runs", type=int, default=None, help=f"repetitions (default {RUNS})")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"--only: unknown section(s) {sorted(unknown)}; choose from {SECTIONS}")
    # Raw outputs of an earlier run would change this one (allure cleans old results).
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    started = time.perf_counter()
    lines = header(args, runs)
    for name in chosen:
        lines += section(name, runs, args.quick)
    lines.append(f"Whole bench: {(time.perf_counter() - started) / 60:.1f} min.")
    full = not args.quick and len(chosen) == len(SECTIONS) and runs >= RUNS
    target = BENCH / "results.md" if full else OUT / "results-quick.md"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
