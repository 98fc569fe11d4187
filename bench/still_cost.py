"""A list in use, on a still list: `python bench/still_cost.py` rewrites its section of
results.md.

What the checks that compare observations as a live list allows cost where nothing changes:
the standard run of the commit before them and of the commit that brought them, interleaved,
same seed, at concurrency 1 and 8: requests, wall time, and whether every requirement got the
same status (it must). What they conclude on a live list is `bench/live.py`'s.

Each tree is the commit's files (`git archive`) run with its own suites and config, so the
two sides differ only by the commits between them. `--runs` chooses fewer; only the defaults
rewrite results.md (otherwise bench/out/still_cost.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import OUT, PYTHON, ROOT, machine, run_timed, summarize, tail
from sizes import write_section

TITLE = "### 9. A list in use, on a still list: what the live comparisons cost"
# The commit that brought the live comparisons to main, and main just before it.
BEFORE, AFTER = "2af3a8d^2", "2af3a8d"
RUNS = 5
CONCURRENCIES = (1, 8)


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
    report_dir = (
        OUT / "still_cost" / f"{source.name}-{profile}-{seed}-{concurrency}-{'-'.join(extra)}"
    )
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


def section(before: str, after: str, still_rows: list[str]) -> list[str]:
    return [
        TITLE,
        "",
        f"Written by `python bench/still_cost.py` (before `{before}`, after `{after}`):",
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
        "",
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python bench/still_cost.py", description=__doc__)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--after", default=AFTER)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    still_rows = still(tree(args.before), tree(args.after), args.runs)
    lines = section(args.before, args.after, still_rows)
    full = (args.runs, args.before, args.after) == (RUNS, BEFORE, AFTER)
    write_section(lines, full, "still_cost.md", TITLE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
