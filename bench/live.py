"""A list in use: `python bench/live.py` rewrites its section of results.md.

Two measurements of the checks that compare observations as a live list allows:

1. On a still list, what they cost: the standard run of the commit before them and of the
   commit that brought them, interleaved, same seed, at concurrency 1 and 8: requests, wall
   time, and whether every requirement got the same status (it must).
2. On a list in use, what they conclude: the live reference (`--reference-live RATE`) at one
   change in 10 requests and one in 2, at concurrency 1 and 8, under several seeds, for each
   profile: every run must pass.

Each tree is the commit's files (`git archive`) run with its own suites and config, so the
two sides differ only by the commits between them. `--runs`, `--seeds`, `--profiles` choose
less; only the defaults rewrite results.md (otherwise bench/out/live.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import BENCH, OUT, PYTHON, ROOT, machine, run_timed, summarize, tail
from sizes import rewrite

TITLE = "### 8. A list in use: the cost on a still list, the verdicts on a live one"
# The commit that brought the live comparisons to main, and main just before it.
BEFORE, AFTER = "2af3a8d^2", "2af3a8d"
RUNS = 5
SEEDS = (1, 2, 3)
PROFILES = ("smoke", "standard", "thorough")
RATES = (10, 2)
CONCURRENCIES = (1, 8)
OK = ("pass", "skip")  # a skip is the profile leaving a requirement out


@dataclass(frozen=True)
class Run:
    """One suite run: its cost and what it concluded."""

    wall_s: float
    requests: int
    verdict: str
    statuses: dict[str, str]


def tree(commit: str) -> Path:
    """The commit's files, extracted once under bench/out/trees/."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    where = OUT / "trees" / sha
    if not where.is_dir():
        where.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], capture_output=True, check=True, cwd=ROOT)
        subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def one_run(source: Path, profile: str, seed: int, concurrency: int, *extra: str) -> Run:
    """The tree's suites against its embedded reference, as `layers-conformance run` would."""
    report_dir = OUT / "live" / f"{source.name}-{profile}-{seed}-{concurrency}-{'-'.join(extra)}"
    command = [
        PYTHON, "-m", "pytest", "-c", str(source / "pyproject.toml"), "--rootdir", str(source),
        "--noconftest", "-q", "-p", "no:randomly", "--profile", profile, "--seed", str(seed),
        "--concurrency", str(concurrency), f"--report-dir={report_dir}", *extra,
        str(source / "suites"),
    ]  # fmt: skip
    timed = run_timed(command, cwd=OUT, env={"PYTHONPATH": str(source / "src")})
    report = report_dir / "reference" / "conformance.json"
    if not report.is_file():
        raise RuntimeError(f"no report from {' '.join(command)}:\n{tail(timed)}")
    data = json.loads(report.read_text(encoding="utf-8"))
    statuses = {r["id"]: r["status"] for r in data["requirements"]}
    return Run(timed.wall_s, data["requests"], data["verdict"], statuses)


def still(before: Path, after: Path, runs: int) -> list[str]:
    """Section 1: both commits on a still list, interleaved, medians and their ratio."""
    rows = []
    for concurrency in CONCURRENCIES:
        sides: dict[str, list[Run]] = {"before": [], "after": []}
        for _ in range(runs):
            for name, source in (("before", before), ("after", after)):
                sides[name].append(one_run(source, "standard", 20261129, concurrency))
        rows.append(_still_row(concurrency, sides["before"], sides["after"]))
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def _still_row(concurrency: int, before: Sequence[Run], after: Sequence[Run]) -> str:
    wall = [summarize([r.wall_s for r in side]) for side in (before, after)]
    asked = [summarize([r.requests for r in side]) for side in (before, after)]
    same = all(r.statuses == before[0].statuses for r in [*before, *after])
    return (
        f"| {concurrency} | {asked[0].fmt('', 0)} | {asked[1].fmt('', 0)} | "
        f"{asked[1].median / asked[0].median:.3f} | {wall[0].fmt()} | {wall[1].fmt()} | "
        f"{wall[1].median / wall[0].median:.2f} | {'yes' if same else 'NO'} |"
    )


def live(after: Path, profiles: Sequence[str], seeds: Sequence[int]) -> list[str]:
    """Section 2: the live reference at each rate and concurrency, every seed."""
    rows = []
    for profile in profiles:
        for rate in RATES:
            for concurrency in CONCURRENCIES:
                done = [
                    one_run(after, profile, seed, concurrency, "--reference-live", str(rate))
                    for seed in seeds
                ]
                rows.append(_live_row(profile, rate, concurrency, done))
                print(rows[-1], file=sys.stderr, flush=True)
    return rows


def _live_row(profile: str, rate: int, concurrency: int, done: Sequence[Run]) -> str:
    passed = sum(r.verdict == "pass" for r in done)
    other = sorted({f"{i} {s}" for r in done for i, s in r.statuses.items() if s not in OK})
    return (
        f"| {profile} | 1 in {rate} | {concurrency} | {passed}/{len(done)} | "
        f"{summarize([r.requests for r in done]).fmt('', 0)} | "
        f"{summarize([r.wall_s for r in done]).fmt()} | {', '.join(other) or '-'} |"
    )


def section(before: str, after: str, still_rows: list[str], live_rows: list[str]) -> list[str]:
    return [
        TITLE,
        "",
        f"Written by `python bench/live.py` (before `{before}`, after `{after}`):",
        "",
        *machine(),
        "",
        "On a still list, the standard run (`--seed 20261129`), the two commits interleaved, "
        "medians (min-max):",
        "",
        "| concurrency | requests before | requests after | ratio | wall before | wall after "
        "| ratio | same status for every requirement |",
        "|---|---|---|---|---|---|---|---|",
        *still_rows,
        "",
        "What the handling adds on a still list: the widest walk read once more after every "
        "other (the closing walk: 2 requests at 160 influencers), and the comparisons' "
        "bookkeeping (each difference judged once).",
        "",
        "On the live reference (`--reference-live RATE`: a change about every RATE requests, "
        "keyed to the server's request count), seeds " + ", ".join(map(str, SEEDS)) + ":",
        "",
        "| profile | changes | concurrency | runs passed | requests | wall time "
        "| not pass in some run |",
        "|---|---|---|---|---|---|---|",
        *live_rows,
        "",
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python bench/live.py", description=__doc__)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--after", default=AFTER)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    parser.add_argument("--profiles", default=",".join(PROFILES))
    args = parser.parse_args(argv)
    seeds = tuple(int(s) for s in args.seeds.split(","))
    profiles = tuple(args.profiles.split(","))
    OUT.mkdir(exist_ok=True)
    still_rows = still(tree(args.before), tree(args.after), args.runs)
    live_rows = live(tree(args.after), profiles, seeds)
    lines = section(args.before, args.after, still_rows, live_rows)
    full = (args.runs, seeds, profiles, args.before, args.after) == (
        RUNS, SEEDS, PROFILES, BEFORE, AFTER
    )  # fmt: skip
    target = BENCH / "results.md" if full else OUT / "live.md"
    if full:
        rewrite(target, lines)
    else:
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
