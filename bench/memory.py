"""Memory in the length of a run: `python bench/memory.py` writes bench/out/memory.md.

Peak RSS of the suite alone (the reference in another process, `layers-conformance serve
--size N`) for a thorough run on 1,000, 100,000 and (with `--sizes`) 1,000,000
influencers: requests, wall time, peak RSS, and each size's peak against the smallest's.
"""

from __future__ import annotations

import argparse
import json

from common import OUT, machine, run_peak, suite_command
from servers import served

SIZES = (1_000, 100_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--profile", default="thorough")
    args = parser.parse_args()
    rows, base = [], None
    for size in (int(s) for s in args.sizes.split(",")):
        out = OUT / "memory" / f"{args.profile}-{size}"
        with served(size) as server:
            command = suite_command(args.profile, out, *server.run_args, "--target", "m")
            wall, peak = run_peak(command, out.with_suffix(".log"), dict(server.env))
        report = json.loads((out / "m" / "conformance.json").read_text(encoding="utf-8"))
        base = base or peak
        rows.append(
            f"| {size:,} | {report['requests']:,} | {wall:.0f} s | {peak:,.0f} MB | "
            f"{peak / base:.2f}x | {report['verdict']} |"
        )
        print(rows[-1], flush=True)
    lines = [
        f"## Peak memory of a {args.profile} run, the reference in another process",
        "",
        *machine(),
        "",
        "| influencers | requests | wall time | peak RSS (suite) | vs the smallest | verdict |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    OUT.mkdir(exist_ok=True)
    (OUT / "memory.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
