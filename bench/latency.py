"""Section 6: time to verdict at real network latency, against the floor of the run.

The reference is served in its own process behind `delay_proxy` (a fixed delay each way).
For each round trip and profile, the suite runs at concurrency 1 and at the default,
interleaved; each run's longest chain of dependent requests comes from `chain_plugin`. The
floor is that chain times the round trip plus the zero-latency run's own time (start-up,
checks, reports); the ratio wall / floor says how close a run comes to it. Schemathesis runs
on the same proxy at its best worker count (1, 2, 4 or 8, best of one run each).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from common import OUT, PYTHON, SEED, SUITES, run_timed, summarize
from delay_proxy import delay_proxy
from layers_conformance.plugin import DEFAULT_CONCURRENCY
from layers_conformance.reference.dataset import build_dataset
from servers import served
from versus import SPEC, ST, ensure_schemathesis, st_config

RTTS_MS = (0, 20, 50, 100)
PROFILES = ("standard", "thorough")
ST_WORKERS = (1, 2, 4, 8)
BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SuiteRun:
    """One suite run through the proxy."""

    wall_s: float
    requests: int
    chain: int  # the longest chain of dependent requests
    verdict: str


def targets_file(base_url: str, directory: Path) -> Path:
    """A targets entry for the proxied reference, keys inline (the bench's own server)."""
    known = build_dataset(160).fixtures
    auth = {"scheme": "x-api-key", "key": known.key, "key_without_scope": known.key_without_scope}
    fixtures = {
        "project_id": known.project_id,
        "empty_project_id": known.empty_project_id,
        "foreign_project_id": known.foreign_project_id,
        "archived_influencer_ids": list(known.archived_influencer_ids),
    }
    entry = {"base_url": base_url, "auth": auth, "fixtures": fixtures}
    path = directory / "targets.yaml"
    path.write_text(yaml.safe_dump({"targets": {"proxied": entry}}), encoding="utf-8")
    return path


def suite_run(targets: Path, profile: str, concurrency: int, out: Path) -> SuiteRun:
    """One run of the suites through the proxy, with its longest chain."""
    chain = out / "chain.txt"
    command = [
        PYTHON, "-m", "pytest", str(SUITES), "-q", "-p", "chain_plugin",
        f"--targets-file={targets}", "--target", "proxied", "--profile", profile,
        "--seed", str(SEED), "--concurrency", str(concurrency), f"--report-dir={out}",
        f"--bench-chain={chain}",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(BENCH_DIR)}
    timed = run_timed(command, env=env, timeout=1200)
    report = json.loads((out / "proxied" / "conformance.json").read_text(encoding="utf-8"))
    return SuiteRun(timed.wall_s, report["requests"], int(chain.read_text()), report["verdict"])


def schemathesis_best(base_url: str, config: Path) -> str:
    """Schemathesis's fastest wall time over worker counts, and that worker count."""
    times = {}
    for workers in ST_WORKERS:
        command = [
            str(ST), "--config-file", str(config), "run", str(SPEC), "--url", base_url,
            "--checks", "all", "--seed", str(SEED), "--generation-database", "none",
            "--workers", str(workers), "--no-color",
        ]  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="lc-st-") as scratch:
            times[workers] = run_timed(command, timeout=1200, cwd=Path(scratch)).wall_s
    best = min(times, key=lambda w: times[w])
    return f"{times[best]:.1f} s ({best} workers)"


def measure(runs: int, rtts: Sequence[int] = RTTS_MS) -> list[str]:
    """Markdown for section 6; the first round trip of `rtts` must be 0 (the floor needs it)."""
    version = ensure_schemathesis()
    (OUT / "latency").mkdir(parents=True, exist_ok=True)
    config = st_config(OUT / "latency")
    rows, zero_latency = [], {}
    for rtt in rtts:
        with served() as server, delay_proxy(server.base_url, rtt) as url:
            targets = targets_file(url, OUT / "latency")
            for profile in PROFILES:
                measured: dict[int, list[SuiteRun]] = {1: [], DEFAULT_CONCURRENCY: []}
                for index in range(runs):
                    for concurrency, done in measured.items():  # interleaved: noise on both
                        out = OUT / "latency" / f"{rtt}-{profile}-{concurrency}-{index}"
                        done.append(suite_run(targets, profile, concurrency, out))
                # The run's own time (start-up, checks, reports): the faster zero-latency median.
                zero_latency.setdefault(profile, min(map(_median, measured.values())))
                st = schemathesis_best(url, config) if profile == "standard" else "-"
                rows.append(_row(rtt, profile, measured, zero_latency[profile], st))
    return _table(version, rows)


def _median(done: Sequence[SuiteRun]) -> float:
    return statistics.median(run.wall_s for run in done)


def _row(
    rtt: int, profile: str, measured: dict[int, list[SuiteRun]], start_up: float, st: str
) -> str:
    serial, concurrent = measured[1], measured[DEFAULT_CONCURRENCY]
    floor = serial[0].chain * rtt / 1000 + start_up
    verdicts = "/".join(sorted({run.verdict for done in measured.values() for run in done}))
    cells = [
        f"{rtt} ms", profile, str(serial[0].requests), str(serial[0].chain),
        summarize([r.wall_s for r in serial]).fmt(),
        summarize([r.wall_s for r in concurrent]).fmt(),
        f"{floor:.1f} s", f"{_median(concurrent) / floor:.2f}",
        f"{_median(serial) / _median(concurrent):.1f}x", verdicts, st,
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def _table(version: str, rows: list[str]) -> list[str]:
    heads = ["round trip", "profile", "requests", "longest chain", "concurrency 1"]
    heads += [f"concurrency {DEFAULT_CONCURRENCY}", "floor", "wall / floor", "speed-up"]
    heads += ["verdict", "Schemathesis (standard row)"]
    return [
        f"A loopback proxy adds the round trip. Suite at concurrency 1 and {DEFAULT_CONCURRENCY} "
        f"(the default), interleaved, seed {SEED}. Floor = longest chain x round trip + the "
        f"zero-latency run. {version} through the same proxy at its best worker count.",
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "---|" * len(heads),
        *rows,
    ]


if __name__ == "__main__":
    import sys

    chosen = tuple(int(x) for x in sys.argv[2].split(",")) if len(sys.argv) > 2 else RTTS_MS
    print("\n".join(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3, chosen)))
