"""Where a run's time goes: a cProfile of the standard run, xdist, import and collection time."""

from __future__ import annotations

import json
import pstats
import re
from collections import defaultdict
from pathlib import Path

from common import OUT, PYTHON, SEED, Timed, run_timed, suite_command, summarize, tail

TOP = 12
# Where a profiled function lives decides its area; the first match wins.
AREAS = (
    ("layers_conformance", "layers_conformance (the suite)"),
    ("hypothesis", "hypothesis"),
    ("jsonschema", "jsonschema + referencing"),
    ("referencing", "jsonschema + referencing"),
    ("rfc3339", "jsonschema + referencing"),
    ("httpx", "httpx + httpcore + h11"),
    ("httpcore", "httpx + httpcore + h11"),
    ("h11", "httpx + httpcore + h11"),
    ("_pytest", "pytest + pluggy"),
    ("pluggy", "pytest + pluggy"),
    ("allure", "allure"),
    ("allure_commons", "allure"),
    ("allure_pytest", "allure"),
    ("yaml", "yaml"),
    ("lark", "lark + rfc3987_syntax (jsonschema format extra)"),
    ("rfc3987_syntax", "lark + rfc3987_syntax (jsonschema format extra)"),
    ("uvicorn", "uvicorn + starlette (startup only)"),
    ("starlette", "uvicorn + starlette (startup only)"),
)


def profile_standard() -> list[str]:
    """cProfile one standard run; the time by area and the costliest functions."""
    out = OUT / "profile" / "standard.prof"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = suite_command("standard", OUT / "profile" / "report")
    command[1:2] = ["-m", "cProfile", "-o", str(out), "-m"]  # python -m cProfile ... -m pytest
    timed = run_timed(command)
    if timed.returncode != 0:
        raise RuntimeError(f"profiled run failed:\n{tail(timed)}")
    stats = pstats.Stats(str(out))
    return [*_areas(stats), "", *_functions(stats)]


def _area(filename: str) -> str:
    if filename.startswith(("~", "<")):
        return "builtins (sockets, waits, C code)"
    for needle, area in AREAS:
        if f"/{needle}/" in filename or f"/{needle}." in filename:
            return area
    return "stdlib and others"


def _areas(stats: pstats.Stats) -> list[str]:
    total = stats.total_tt  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        by_area[_area(filename)] += row[2]  # row: calls, primitive calls, tottime, cumtime
    lines = [
        f"Own time by area (main thread only, {total:.2f} s profiled):",
        "",
        "| area | own time | share |",
        "|---|---|---|",
    ]
    for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {area} | {seconds:.2f} s | {seconds / total:.0%} |")
    return lines


def _functions(stats: pstats.Stats) -> list[str]:
    rows = stats.stats.items()  # type: ignore[attr-defined]
    ours = [(key, row) for key, row in rows if "layers_conformance" in key[0]]
    lines = [
        f"Top {TOP} functions of the suite by cumulative time:",
        "",
        "| function | calls | cumulative | own |",
        "|---|---|---|---|",
    ]
    for (filename, line, name), row in sorted(ours, key=lambda kv: -kv[1][3])[:TOP]:
        where = f"{_short(filename)}:{line} {name}"
        lines.append(f"| `{where}` | {row[1]} | {row[3]:.2f} s | {row[2]:.2f} s |")
    lines += ["", f"Top {TOP} functions anywhere by own time:", ""]
    lines += ["| function | calls | own | cumulative |", "|---|---|---|---|"]
    for (filename, line, name), row in sorted(rows, key=lambda kv: -kv[1][2])[:TOP]:
        where = f"{_short(filename)}:{line} {name}"
        lines.append(f"| `{where}` | {row[1]} | {row[2]:.2f} s | {row[3]:.2f} s |")
    return lines


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def xdist(runs: int) -> list[str]:
    """`pytest` and `pytest -n 2` at the repository root, interleaved; both must pass."""
    serial: list[Timed] = []
    parallel: list[Timed] = []
    verdicts: dict[str, set[str]] = defaultdict(set)
    for index in range(runs):
        for label, extra, into in (("serial", [], serial), ("-n 2", ["-n", "2"], parallel)):
            report = OUT / "xdist" / f"{label.replace(' ', '')}-{index}"
            timed = run_timed(_root_pytest(report, *extra))
            into.append(timed)
            verdicts[label].add(_verdict(report, timed))
    ratio = summarize([t.wall_s for t in serial]).median
    ratio /= summarize([t.wall_s for t in parallel]).median
    return [
        "| command (repository root) | wall time | CPU time | verdicts |",
        "|---|---|---|---|",
        f"| `pytest` | {summarize([t.wall_s for t in serial]).fmt()} "
        f"| {summarize([t.cpu_s for t in serial]).fmt()} | {', '.join(verdicts['serial'])} |",
        f"| `pytest -n 2` | {summarize([t.wall_s for t in parallel]).fmt()} "
        f"| {summarize([t.cpu_s for t in parallel]).fmt()} | {', '.join(verdicts['-n 2'])} |",
        "",
        f"- speed-up of `-n 2` over serial (ratio of medians): {ratio:.2f}x",
    ]


def _root_pytest(report: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "pytest", "-q", "--seed", str(SEED), f"--report-dir={report}", *extra]


def _verdict(report: Path, timed: Timed) -> str:
    path = report / "reference" / "conformance.json"
    if not path.is_file():
        return f"no report (exit {timed.returncode})"
    verdict = str(json.loads(path.read_text(encoding="utf-8"))["verdict"]).upper()
    return verdict if timed.returncode == 0 else f"{verdict}, exit {timed.returncode}"


def import_time(runs: int) -> list[str]:
    """`python -X importtime -c "import layers_conformance.plugin"`: the plugin's cumulative."""
    totals, children = [], {}
    for _ in range(runs):
        timed = run_timed([PYTHON, "-X", "importtime", "-c", "import layers_conformance.plugin"])
        entries = _importtime_entries(timed.stderr)
        index = next(i for i, e in enumerate(entries) if e[2] == "layers_conformance.plugin")
        totals.append(entries[index][1] / 1000)
        children = dict(_children(entries, index))  # the last run's, for the breakdown
    slowest = sorted(children.items(), key=lambda kv: -kv[1])[:8]
    return [
        f"- `import layers_conformance.plugin`, cumulative: {summarize(totals).fmt('ms', 0)}",
        "- its costliest direct imports (one run): "
        + ", ".join(f"`{name}` {us / 1000:.0f} ms" for name, us in slowest),
    ]


def _importtime_entries(stderr: str) -> list[tuple[int, int, str]]:
    """(depth, cumulative µs, module) per `-X importtime` line, in printed order."""
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")
    return [
        (len(m.group(3)), int(m.group(2)), m.group(4))
        for m in map(pattern.match, stderr.splitlines())
        if m
    ]


def _children(entries: list[tuple[int, int, str]], index: int) -> list[tuple[str, int]]:
    # -X importtime prints a module's imports before the module itself, one level deeper.
    depth = entries[index][0]
    found = []
    for child_depth, cumulative, name in reversed(entries[:index]):
        if child_depth <= depth:
            break
        if child_depth == depth + 2:
            found.append((name, cumulative))
    return found


def collection(runs: int) -> list[str]:
    """`pytest --collect-only -q` at the root: the process, and pytest's own count of it."""
    walls, inner = [], []
    for index in range(runs):
        timed = run_timed(_collect_command(OUT / "collect" / str(index)))
        walls.append(timed.wall_s)
        said = re.search(r"collected in ([\d.]+)s", timed.stdout)
        if said:
            inner.append(float(said.group(1)))
    inner_text = summarize(inner).fmt() if inner else "not printed"
    return [
        f"- `pytest --collect-only -q`, whole process: {summarize(walls).fmt()}; "
        f"collection as pytest reports it: {inner_text}",
    ]


def _collect_command(report: Path) -> list[str]:
    return [PYTHON, "-m", "pytest", "--collect-only", "-q", f"--report-dir={report}"]


# Conditions the profile pointed at, each a standard run: (label, report dir per run?, env).
VARIANTS = (
    ("as in section 1: a fresh report directory", True, {}),
    ("the report directory reused (allure cleans the last run's results)", False, {}),
    ("`-p no:allure_pytest`, fresh report directory", True, {}),
    ("`PYTHONDONTWRITEBYTECODE` unset (pyc and assertion-rewrite caches warm)", True,
     {"PYTHONDONTWRITEBYTECODE": ""}),
)  # fmt: skip


def variants(runs: int) -> list[str]:
    """The standard run under each of VARIANTS, interleaved, after one warm-up of each."""
    walls: dict[str, list[float]] = defaultdict(list)
    for index in range(-1, runs):  # run -1 warms caches and fills the reused directory
        for number, (label, fresh, env) in enumerate(VARIANTS):
            report = OUT / "variants" / f"{number}-{index if fresh else 'reused'}"
            extra = ["-p", "no:allure_pytest"] if "no:allure" in label else []
            timed = run_timed(suite_command("standard", report, *extra), env=env)
            if timed.returncode != 0:
                raise RuntimeError(f"{label} failed:\n{tail(timed)}")
            if index >= 0:
                walls[label].append(timed.wall_s)
    lines = ["| standard run | wall time |", "|---|---|"]
    return lines + [f"| {label} | {summarize(walls[label]).fmt()} |" for label, _, _ in VARIANTS]


def measure(runs: int) -> list[str]:
    """Markdown for section 5."""
    return [
        "#### Profile of one standard run (cProfile)",
        "",
        *profile_standard(),
        "",
        "#### The standard run under the conditions the profile points at",
        "",
        *variants(runs),
        "",
        "#### pytest-xdist",
        "",
        *xdist(runs),
        "",
        "#### Import and collection",
        "",
        *import_time(runs),
        *collection(runs),
    ]
