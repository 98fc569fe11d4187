"""Memory in the length of a run: `python bench/memory.py`, ~10-30 min; rewrites section 12.

Peak RSS of the suite alone (the reference in another process, `layers-conformance serve
--size N`) for a thorough run on 1,000, 100,000 and 1,000,000 influencers, side by side in one
bench run: requests, wall time, peak RSS, and each size's peak against the smallest's. Each
size runs for at most `--timeout` seconds; a run stopped there is said so, with its peak so far
(`VmHWM`) and the requests its progress lines last counted. The default sizes rewrite section
12 of results.md (`sizes.write_section`); others write bench/out/memory.md.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from dataclasses import dataclass

from common import OUT, ROOT, SEED, machine, run_bounded, suite_command
from servers import served
from sizes import write_section

TITLE = "### 12. Memory in the length of a run (the reference in another process)"
SIZES = (1_000, 100_000, 1_000_000)
TIMEOUT_S = 1200.0  # per size: a thorough run on a million influencers took ~15 min
USED = re.compile(r"\(([\d,]+)/[\d,]+ requests used\)")


@dataclass(frozen=True)
class Measured:
    """One size's run: what it sent, how long it took, its peak, and how it ended."""

    size: int
    requests: str
    wall_s: float
    peak_mb: float
    ended: str  # the verdict, or why it has none

    def row(self, base_mb: float) -> str:
        return (
            f"| {self.size:,} | {self.requests} | {self.wall_s:.0f} s | {self.peak_mb:,.0f} MB | "
            f"{self.peak_mb / base_mb:.2f}x | {self.ended} |"
        )


def measure(size: int, profile: str, timeout: float) -> Measured:
    """A run of `profile` against `size` influencers served by another process."""
    out = OUT / "memory" / f"{profile}-{size}"
    log = out.with_suffix(".log")
    with served(size) as server:
        command = suite_command(profile, out, *server.run_args, "--target", "m")
        run = run_bounded(command, log, dict(server.env), timeout)
    if not run.finished:
        sent = USED.findall(log.read_text(encoding="utf-8", errors="replace"))
        said = f"~{sent[-1]} sent" if sent else "unknown"
        return Measured(size, said, run.wall_s, run.peak_mb, f"stopped at {timeout:,.0f} s")
    report = json.loads((out / "m" / "conformance.json").read_text(encoding="utf-8"))
    return Measured(size, f"{report['requests']:,}", run.wall_s, run.peak_mb, report["verdict"])


def section(runs: list[Measured], profile: str, timeout: float, commit: str) -> list[str]:
    base = runs[0].peak_mb
    return [
        TITLE,
        "",
        f"`python bench/memory.py` ({profile}, `--seed {SEED}`, `layers-conformance serve --size "
        "N` in its own process, so the peak RSS is the suite's alone, from `wait4`; a run still "
        f"going after {timeout:,.0f} s is stopped and its `VmHWM` at that moment is shown), at "
        f"commit `{commit}`:",
        "",
        *machine(),
        "",
        "| influencers | requests | wall time | peak RSS (suite) | vs the smallest | verdict |",
        "|---|---|---|---|---|---|",
        *(run.row(base) for run in runs),
        "",
    ]


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--profile", default="thorough")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per size")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    commit = _commit()  # what is measured: the tree as the bench starts
    runs: list[Measured] = []
    for size in sizes:
        runs.append(measure(size, args.profile, args.timeout))
        print(runs[-1].row(runs[0].peak_mb), flush=True)
    lines = section(runs, args.profile, args.timeout, commit)
    full = sizes == SIZES and args.profile == "thorough" and args.timeout == TIMEOUT_S
    write_section(lines, full, "memory.md", TITLE)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
