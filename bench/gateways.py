"""Behind a production gateway: `python bench/gateways.py` writes bench/out/gateways.md.

The reference runs in its own process behind `layers-conformance serve --gateway MODE`.
Two measurements:

1. Wall time of `standard` behind a 10 requests/s gateway (`rate-429:10`: 429 without
   Retry-After) with no rate configured, against the same run told `--rate-limit 10`;
   interleaved, medians of `--runs` each, the ratio of the medians.
2. Every gateway mode, each profile once, no rate configured: verdict, requests, retries,
   time waited, the effective rate and the suggested `rate_limit_rps`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import OUT, machine, run_timed, suite_command, summarize, tail
from servers import Served, served

SIZE = 160
MODES = ("rate-429", "ratelimit-headers", "x-ratelimit", "shed-503", "lb-502")
PROFILES = ("smoke", "standard", "thorough")
COLUMNS = "verdict | requests | retries | waited | effective rate | suggested"


def run_against(server: Served, profile: str, out: Path, *extra: str) -> tuple[float, dict]:
    target = [*server.run_args, "--target", "gw"]
    command = suite_command(profile, out, *target, *extra)
    timed = run_timed(command, timeout=3600, env=dict(server.env))
    report_file = out / "gw" / "conformance.json"
    if not report_file.is_file():
        raise RuntimeError(f"no report: {tail(timed)}")
    return timed.wall_s, json.loads(report_file.read_text(encoding="utf-8"))


def ratio(runs: int, rps: int) -> list[str]:
    walls: dict[str, list[float]] = {"adaptive": [], "configured": []}
    reports: dict[str, dict] = {}
    with served(SIZE, gateway=f"rate-429:{rps}") as server:
        for n in range(runs):
            for name, extra in (("adaptive", ()), ("configured", ("--rate-limit", str(rps)))):
                out = OUT / f"gw-{name}-{n}"
                wall, report = run_against(server, "standard", out, *extra)
                walls[name].append(wall)
                reports[name] = report
    adaptive, configured = summarize(walls["adaptive"]), summarize(walls["configured"])
    lines = [
        f"### Wall time behind a {rps} requests/s gateway (`rate-429:{rps}`), standard, "
        f"{runs} runs each, interleaved",
        "",
        f"| rate configured | wall time | {COLUMNS} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in (("none", adaptive), (f"rate_limit_rps: {rps}", configured)):
        report = reports["adaptive" if name == "none" else "configured"]
        lines.append(f"| {name} | {summary.fmt()} | {_facts(report)} |")
    lines += ["", f"Ratio of the medians: **{adaptive.median / configured.median:.2f}x**", ""]
    return lines


def modes(rps: int) -> list[str]:
    lines = [
        f"### Every gateway mode at {rps} requests/s, no rate configured, each profile once",
        "",
        f"| mode | profile | wall time | {COLUMNS} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        spec = mode if mode == "lb-502" else f"{mode}:{rps}"
        with served(SIZE, gateway=spec) as server:
            for profile in PROFILES:
                wall, report = run_against(server, profile, OUT / f"gw-{mode}-{profile}")
                lines.append(f"| {spec} | {profile} | {wall:.1f} s | {_facts(report)} |")
    return [*lines, ""]


def _facts(report: dict) -> str:
    traffic = report["traffic"]
    retries = ", ".join(f"{n} x {cause}" for cause, n in traffic["retries"].items()) or "0"
    return (
        f"{report['verdict']} | {report['requests']} | {retries} | {traffic['waited_s']:.1f} s | "
        f"{traffic['effective_rps']:g}/s | {traffic['suggested_rate_limit_rps']} "
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes-rps", type=int, default=25, help="the rate of section 2")
    parser.add_argument("--skip-modes", action="store_true")
    args = parser.parse_args()
    lines = ["## Behind a production gateway", "", *machine(), "", *ratio(args.runs, 10)]
    if not args.skip_modes:
        lines += modes(args.modes_rps)
    OUT.mkdir(exist_ok=True)
    (OUT / "gateways.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
