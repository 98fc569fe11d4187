"""Suite runs at catalogue sizes: `python bench/sizes.py` rewrites its section of results.md.

Each profile runs once against the embedded reference holding 1,000 to 1,000,000
influencers (`--reference-size`): requests, wall time, peak memory of the run (the suite and
the reference it starts, one process), the verdict and how the requirements came out.
A run at 1,000,000 takes minutes; the whole section about half an hour on 2 busy cores.
`--sizes` and `--profiles` choose a subset; only the full set rewrites results.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import BENCH, OUT, SEED, machine, run_peak, suite_command
from layers_conformance.probing.plan import plan_run
from layers_conformance.probing.profiles import PROFILES as PROFILES_BY_NAME

SIZES = (1_000, 20_000, 100_000, 1_000_000)
PROFILES = ("standard", "thorough")
TITLE = "### 7. Suite runs at catalogue sizes"
TIMEOUT_S = 3_600


@dataclass(frozen=True)
class SizedRun:
    """What one run at one size reported, and what it cost."""

    profile: str
    size: int
    wall_s: float
    peak_mb: float
    report: dict[str, object]

    @property
    def statuses(self) -> str:
        """How many requirements got each status, naming those that did not pass."""
        requirements: list[dict[str, str]] = self.report["requirements"]  # type: ignore[assignment]
        counts = Counter(r["status"] for r in requirements)
        said = []
        for status, n in sorted(counts.items()):
            ids = [r["id"] for r in requirements if r["status"] == status]
            said.append(f"{n} {status}" + ("" if status == "pass" else f" ({', '.join(ids)})"))
        return ", ".join(said)

    def row(self) -> str:
        budget: dict[str, object] = self.report["budget"]  # type: ignore[assignment]
        return (
            f"| {self.profile} | {self.size:,} | {self.report['requests']:,} of "
            f"{budget['requests']:,} | {self.wall_s:.0f} s | {self.peak_mb:,.0f} MB | "
            f"{self.report['verdict']} | {self.statuses} |"
        )


def one_run(profile: str, size: int) -> SizedRun:
    """The suite at `profile` against the reference with `size` influencers, measured."""
    report_dir = OUT / "sizes" / f"{profile}-{size}"
    log = report_dir.with_suffix(".log")
    command = suite_command(profile, report_dir, "--reference-size", str(size))
    wall, peak_mb = run_peak(command, log)
    report_path = report_dir / "reference" / "conformance.json"
    if not report_path.is_file():
        raise RuntimeError(f"{profile} at {size:,}: no report; see {log}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return SizedRun(profile, size, wall, peak_mb, report)


def section(runs: Sequence[SizedRun]) -> list[str]:
    """The Markdown of the section."""
    return [
        TITLE,
        "",
        f"Written by `python bench/sizes.py` (`--seed {SEED}`), each run once:",
        "",
        *machine(),
        "",
        "| profile | influencers | requests (of budget) | wall time | peak memory | verdict "
        "| requirements |",
        "|---|---|---|---|---|---|---|",
        *(run.row() for run in runs),
        "",
        "Wall time is the whole `pytest` process: building the reference's dataset, its "
        "start, the run and the reports. Peak memory is that process's, the reference "
        "server's included. Requirement reasons in each run's conformance.json say what was "
        "compared (bench/out/sizes/). An inconclusive requirement does not fail the run: at "
        f"1,000,000 the standard profile's walk to the end stops at its share ({_reach()} "
        "influencers at limit 100), so the checks that need the end of the list say so.",
        "",
    ]


def _reach() -> str:
    """How far the standard profile's walk to the end goes with its default budget."""
    standard = PROFILES_BY_NAME["standard"]
    end = plan_run(standard, standard.budget).end
    return f"{end.reach:,}" if end else "no walk to the end"


def write_section(lines: list[str], full: bool, name: str, title: str = TITLE) -> None:
    """A full run's section `title` goes into results.md in place; a partial one to `OUT / name`."""
    target = BENCH / "results.md" if full else OUT / name
    if full:
        rewrite(target, lines, title)
    else:
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


def rewrite(results: Path, lines: Sequence[str], title: str = TITLE) -> None:
    """Replace the section `title` of `results` (or add it at the end), keeping the rest."""
    text = results.read_text(encoding="utf-8")
    head, found, rest = text.partition(title)
    following = re.search(r"\n##+ ", rest) if found else None  # the next section, if any
    after = rest[following.start() + 1 :] if following else ""
    body = "\n".join(lines) + "\n"
    results.write_text(head.rstrip("\n") + "\n\n" + body + ("\n" + after if after else ""))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python bench/sizes.py", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--profiles", default=",".join(PROFILES))
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    profiles = tuple(args.profiles.split(","))
    runs = []
    for profile in profiles:
        for size in sizes:
            runs.append(one_run(profile, size))
            print(runs[-1].row(), file=sys.stderr, flush=True)
    lines = section(runs)
    write_section(lines, sizes == SIZES and profiles == PROFILES, "sizes.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
