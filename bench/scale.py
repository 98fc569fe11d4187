"""Scale: a full traversal at limit 100 over projects of 1,000 to 100,000 influencers."""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import ExitStack

from common import BENCH, PYTHON, run_timed, summarize, tail
from layers_conformance.reference.dataset import DEFAULT_KEY, build_dataset
from servers import Served, served

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
RSS_LIMIT_MB = 200
BUILD = "import sys, time; from layers_conformance.reference.dataset import build_dataset as b;"
BUILD += " t = time.perf_counter(); b(int(sys.argv[1])); print(time.perf_counter() - t)"


def walk_once(server: Served, size: int) -> dict[str, float]:
    """One measuring process against the served project of `size` influencers."""
    project_id = build_dataset(1).fixtures.project_id  # the same id whatever the size
    command = [PYTHON, str(BENCH / "scale_walk.py"), server.base_url, DEFAULT_KEY]
    timed = run_timed([*command, project_id, str(size)], timeout=900)
    if timed.returncode != 0:
        raise RuntimeError(f"walk of {size} failed:\n{tail(timed)}")
    result: dict[str, float] = json.loads(timed.stdout.strip().splitlines()[-1])
    return result


def build_seconds(size: int) -> float:
    """build_dataset(size) alone, in a fresh process (no server, no warm caches)."""
    timed = run_timed([PYTHON, "-c", BUILD, str(size)], timeout=600)
    if timed.returncode != 0:
        raise RuntimeError(f"build of {size} failed:\n{tail(timed)}")
    return float(timed.stdout.strip())


def measure(runs: int, sizes: tuple[int, ...] = SIZES) -> list[str]:
    """Markdown for section 3; every round walks every size, so noise hits all sizes alike."""
    results: dict[int, list[dict[str, float]]] = defaultdict(list)
    builds: dict[int, list[float]] = defaultdict(list)
    with ExitStack() as stack:
        servers = {size: stack.enter_context(served(size)) for size in sizes}
        for _ in range(runs):
            for size in sizes:
                results[size].append(walk_once(servers[size], size))
                builds[size].append(build_seconds(size))
    return _table(results, builds, servers)


def _table(
    results: dict[int, list[dict[str, float]]],
    builds: dict[int, list[float]],
    servers: dict[int, Served],
) -> list[str]:
    lines = [
        "| influencers | pages | per-page time (median of run medians) | first 10% of pages "
        "| last 10% of pages | whole walk | invariants | peak RSS | complete, 0 violations "
        "| dataset build | server ready |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, runs in results.items():
        ok = all(r["complete"] and r["violations"] == 0 for r in runs)
        lines.append(
            f"| {size:,} | {runs[0]['pages']:.0f} | {_fmt(runs, 'page_median_ms', 'ms')} "
            f"| {_fmt(runs, 'first_tenth_median_ms', 'ms')} "
            f"| {_fmt(runs, 'last_tenth_median_ms', 'ms')} | {_fmt(runs, 'walk_s', 's')} "
            f"| {_fmt(runs, 'invariants_s', 's', 3)} | {_fmt(runs, 'peak_rss_mb', 'MB', 0)} "
            f"| {'yes' if ok else 'NO'} | {summarize(builds[size]).fmt()} "
            f"| {servers[size].ready_s:.1f} s (once) |"
        )
    largest = max(results)
    peak = summarize([r["peak_rss_mb"] for r in results[largest]]).high
    verdict = "below" if peak < RSS_LIMIT_MB else "ABOVE"
    lines += [
        "",
        f"- peak RSS at {largest:,}: at most {peak:.0f} MB, **{verdict}** the "
        f"{RSS_LIMIT_MB} MB goal (the measuring process starts at "
        f"{summarize([r['rss_at_start_mb'] for r in results[largest]]).median:.0f} MB "
        "after its imports)",
    ]
    return lines


def _fmt(runs: list[dict[str, float]], key: str, unit: str, digits: int = 2) -> str:
    return summarize([r[key] for r in runs]).fmt(unit, digits)
