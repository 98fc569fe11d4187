"""A list in use: `python bench/live.py` runs the suite against the live reference.

Each profile runs against the embedded reference still and live (`--reference-live`: about
one change every 10 requests, and one every 2), at concurrency 1 and 8, with several seeds
(the seed draws both the generated cases and the writer's changes). Per cell: the verdicts
(every run must pass: the reference is conformant, changing or not), the requests and the
wall time (medians, and their ratio to the still run of the same seeds and concurrency),
and the changes the reports listed. Runs are interleaved, still and live side by side, so
the machine's noise lands on both. The full grid takes about 30-40 min on 2 busy cores;
`--profiles`, `--rates`, `--concurrency` and `--seeds` choose a subset. Only the full grid
rewrites its section of results.md; every run writes bench/out/live.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from common import BENCH, OUT, machine, run_timed, suite_command
from sizes import rewrite

PROFILES = ("smoke", "standard", "thorough")
RATES: tuple[float | None, ...] = (None, 10, 2)  # None: the still reference
CONCURRENCY = (1, 8)
SEEDS = (1, 2, 3)
TITLE = "### 8. A list in use: the live reference"
TIMEOUT_S = 1_800


@dataclass(frozen=True)
class LiveRun:
    """What one run reported, and how long it took."""

    profile: str
    rate: float | None
    concurrency: int
    seed: int
    wall_s: float
    verdict: str
    requests: int
    broken: tuple[str, ...]
    changes: int


def one_run(profile: str, rate: float | None, concurrency: int, seed: int) -> LiveRun:
    """The suite at `profile` against the reference, live at `rate` (None: still)."""
    name = f"{profile}-{rate or 'still'}-c{concurrency}-s{seed}"
    report_dir = OUT / "live" / name
    extra = ["--seed", str(seed), "--concurrency", str(concurrency)]
    extra += [] if rate is None else ["--reference-live", str(rate)]
    timed = run_timed(suite_command(profile, report_dir, *extra), timeout=TIMEOUT_S)
    report_path = report_dir / "reference" / "conformance.json"
    if not report_path.is_file():
        return LiveRun(profile, rate, concurrency, seed, timed.wall_s, "no report", 0, (), 0)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    broken = tuple(r["id"] for r in report["requirements"] if r["status"] in ("fail", "warn"))
    changes = len(report.get("changes", ()))
    return LiveRun(
        profile, rate, concurrency, seed, timed.wall_s, report["verdict"], report["requests"],
        broken, changes,
    )  # fmt: skip


def grid(
    profiles: Sequence[str],
    rates: Sequence[float | None],
    concurrency: Sequence[int],
    seeds: Sequence[int],
) -> list[LiveRun]:
    """Every cell, seed by seed, the rates of one seed side by side."""
    runs = []
    for profile in profiles:
        for seed in seeds:
            for level in concurrency:
                for rate in rates:
                    run = one_run(profile, rate, level, seed)
                    print(_progress(run), file=sys.stderr, flush=True)
                    runs.append(run)
    return runs


def _progress(run: LiveRun) -> str:
    return (
        f"{run.profile} rate={run.rate or 'still'} c={run.concurrency} seed={run.seed}: "
        f"{run.verdict} {run.requests} requests {run.wall_s:.1f} s {run.changes} changes "
        f"{' '.join(run.broken)}"
    )


def rows(runs: Sequence[LiveRun]) -> list[str]:
    """One row per profile, rate and concurrency: verdicts, medians, ratios to still."""
    cells: dict[tuple[str, float | None, int], list[LiveRun]] = {}
    for run in runs:
        cells.setdefault((run.profile, run.rate, run.concurrency), []).append(run)
    lines = []
    for (profile, rate, level), cell in cells.items():
        still = cells.get((profile, None, level), [])
        passed = sum(run.verdict == "pass" for run in cell)
        broken = sorted({ident for run in cell for ident in run.broken})
        lines.append(
            f"| {profile} | {_rate(rate)} | {level} | {passed}/{len(cell)} pass"
            f"{' (' + ', '.join(broken) + ')' if broken else ''} | "
            f"{_median(cell, 'requests'):,.0f} ({_ratio(cell, still, 'requests')}) | "
            f"{_median(cell, 'wall_s'):.1f} s ({_ratio(cell, still, 'wall_s')}) | "
            f"{_median(cell, 'changes'):.0f} |"
        )
    return lines


def _rate(rate: float | None) -> str:
    return "still" if rate is None else f"1 in {rate:g}"


def _median(cell: Sequence[LiveRun], field: str) -> float:
    return float(statistics.median(getattr(run, field) for run in cell))


def _ratio(cell: Sequence[LiveRun], still: Sequence[LiveRun], field: str) -> str:
    """The cell's median over the still runs' of the same seeds, as `x1.05`."""
    seeds = {run.seed for run in cell}
    base = [run for run in still if run.seed in seeds]
    if not base or cell is still:
        return "x1"
    return f"x{_median(cell, field) / _median(base, field):.2f}"


def section(runs: Sequence[LiveRun], seeds: Sequence[int]) -> list[str]:
    """The Markdown of the section."""
    return [
        TITLE,
        "",
        f"Written by `python bench/live.py` (seeds {', '.join(map(str, seeds))}, each cell "
        "once per seed, still and live side by side):",
        "",
        *machine(),
        "",
        "| profile | changes | concurrency | verdicts | requests, median (to still) "
        "| wall time, median (to still) | changes listed, median |",
        "|---|---|---|---|---|---|---|",
        *rows(runs),
        "",
        "A change is one influencer created, archived or moved by the reference's writer "
        "(`--reference-live RATE`: one about every RATE requests, by the server's own count). "
        "The reference is conformant whether or not its list changes, so every run must "
        "pass; a requirement in brackets failed or warned in some run. Requests and wall "
        "time are the whole `pytest` process's (reference start and reports included); the "
        "ratio is to the still run of the same seeds and concurrency. Changes listed are "
        "the entries of conformance.json's `changes` (bench/out/live/).",
        "",
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python bench/live.py", description=__doc__)
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--rates", default="still,10,2", help="still, or requests per change")
    parser.add_argument("--concurrency", default=",".join(map(str, CONCURRENCY)))
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    args = parser.parse_args(argv)
    profiles = tuple(args.profiles.split(","))
    rates = tuple(None if r == "still" else float(r) for r in args.rates.split(","))
    levels = tuple(int(c) for c in args.concurrency.split(","))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    runs = grid(profiles, rates, levels, seeds)
    lines = section(runs, seeds)
    (OUT / "live.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = (profiles, rates, levels, seeds) == (PROFILES, RATES, CONCURRENCY, SEEDS)
    if full:
        rewrite(BENCH / "results.md", lines, TITLE)
    print("\n".join(lines))
    return 0 if all(run.verdict == "pass" for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
