"""Side by side with Schemathesis: faults killed and wall time, the clean reference first.

Our suite: a fault is killed when the run reports every requirement the fault declares
as broken (`layers_conformance.selftest.run_case`, the self-test's own rule).
Schemathesis: it already fails on the clean reference, so a fault is killed when its run
reports a failure code (or an error) that the clean run did not: the clean run is the
baseline. Every run happens once (not five times): 70 servers x 2 tools is the bench's
longest part.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import BENCH, OUT, SEED, run_timed, suite_command, tail
from layers_conformance.reference.dataset import DEFAULT_KEY, build_dataset
from layers_conformance.reference.faults import FAULTS
from layers_conformance.selftest import run_case
from servers import served

VENV = BENCH / ".venv"
ST = VENV / "bin" / "st"
SPEC = BENCH.parent / "spec" / "openapi.yaml"
ST_TIMEOUT_S = 300
ST_EXAMPLES = 100  # Schemathesis's default, said out loud


@dataclass(frozen=True)
class ToolRun:
    """One tool against one server: what it found and how long it took, server start included."""

    found: frozenset[str]  # our suite: broken requirement ids; Schemathesis: failure codes
    killed: bool
    seconds: float
    note: str = ""


def ensure_schemathesis() -> str:
    """Create bench/.venv with the pinned Schemathesis when missing; its version."""
    if not ST.exists():
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "-q", "-r", str(BENCH / "requirements.txt")]
        subprocess.run(pip, check=True)
    done = subprocess.run([str(ST), "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def st_config(directory: Path) -> Path:
    """The key through the spec's own `apiKey` scheme, and the real project as projectId."""
    path = directory / "schemathesis.toml"
    project_id = build_dataset(1).fixtures.project_id
    path.write_text(
        f'[auth.openapi.apiKey]\napi_key = "{DEFAULT_KEY}"\n\n'
        f'[parameters]\n"path.projectId" = "{project_id}"\n',
        encoding="utf-8",
    )
    return path


def schemathesis(fault: str | None, config: Path, baseline: frozenset[str]) -> ToolRun:
    """`st run` against a reference served with `fault` (None: clean)."""
    report = OUT / "versus" / "schemathesis" / f"{fault or 'clean'}.json"
    with served(faults=[fault] if fault else []) as server:
        command = [
            str(ST), "--config-file", str(config), "run", str(SPEC), "--url", server.base_url,
            "--checks", "all", "--max-examples", str(ST_EXAMPLES), "--continue-on-failure",
            "--seed", str(SEED), "--generation-database", "none", "--request-timeout", "5",
            "--no-color", "--report", "json", "--report-json-path", str(report),
        ]  # fmt: skip
        # A scratch cwd: no schemathesis.toml or .hypothesis/ is picked up or left behind.
        with tempfile.TemporaryDirectory(prefix="lc-st-") as scratch:
            timed = run_timed(command, timeout=ST_TIMEOUT_S, cwd=Path(scratch))
        seconds = server.ready_s + timed.wall_s
    if not report.is_file():
        return ToolRun(frozenset(), False, seconds, f"no report (exit {timed.returncode})")
    found = _st_findings(json.loads(report.read_text(encoding="utf-8")))
    return ToolRun(found, bool(found - baseline), seconds)


def _st_findings(data: dict[str, object]) -> frozenset[str]:
    codes = {str(f["code"]) for f in data["failures"]}  # type: ignore[attr-defined]
    errors = {f"error:{e.get('title') or e}" for e in data["errors"]}  # type: ignore[attr-defined]
    return frozenset(codes | errors)


def ours(fault: str | None) -> ToolRun:
    """Our standard run against the embedded reference with `fault` (None: clean)."""
    if fault is None:
        report_dir = OUT / "versus" / "ours-clean"
        timed = run_timed(suite_command("standard", report_dir))
        data = json.loads((report_dir / "reference" / "conformance.json").read_text())
        broken = frozenset(r["id"] for r in data["requirements"] if r["status"] in ("fail", "warn"))
        note = f"verdict {data['verdict']}" + (f"; {tail(timed, 2)}" if timed.returncode else "")
        return ToolRun(broken, False, timed.wall_s, note)
    case = run_case(fault, "fault", FAULTS[fault].breaks)
    return ToolRun(frozenset(case.broken), case.ok, case.duration_s, case.problem)


def measure(faults: Sequence[str]) -> list[str]:
    """Markdown for section 4. Per fault the two tools run one after the other."""
    version = ensure_schemathesis()
    config = st_config(_directory())
    started = time.perf_counter()
    clean_st = schemathesis(None, config, frozenset())
    clean_ours = ours(None)
    rows = [(name, ours(name), schemathesis(name, config, clean_st.found)) for name in faults]
    total = time.perf_counter() - started
    return _table(version, clean_ours, clean_st, rows, total)


def _directory() -> Path:
    directory = OUT / "versus" / "schemathesis"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _table(
    version: str,
    clean_ours: ToolRun,
    clean_st: ToolRun,
    rows: list[tuple[str, ToolRun, ToolRun]],
    total: float,
) -> list[str]:
    lines = [
        f"Schemathesis: `{version}`, `st run --checks all --max-examples {ST_EXAMPLES} "
        f"--continue-on-failure --seed {SEED}`, key through the spec's `apiKey` scheme, "
        "`path.projectId` set to the reference project (bench/out/versus/schemathesis/"
        "schemathesis.toml). Our suite: `--profile standard`, the self-test's seed.",
        "",
        "| server | declared | our suite: killed | our suite: time "
        "| Schemathesis: killed | Schemathesis: found beyond baseline | Schemathesis: time |",
        "|---|---|---|---|---|---|---|",
        f"| clean reference | - | {_clean(clean_ours)} | {clean_ours.seconds:.1f} s "
        f"| (baseline) | baseline: {_found(clean_st)} | {clean_st.seconds:.1f} s |",
    ]
    for name, mine, theirs in rows:
        lines.append(
            f"| `{name}` | {', '.join(FAULTS[name].breaks)} | {_yes(mine)} "
            f"| {mine.seconds:.1f} s | {_yes(theirs)} | {_new(theirs, clean_st)} "
            f"| {theirs.seconds:.1f} s |"
        )
    lines += _totals(rows, clean_ours, clean_st, total)
    return lines


def _totals(
    rows: list[tuple[str, ToolRun, ToolRun]], clean_ours: ToolRun, clean_st: ToolRun, total: float
) -> list[str]:
    kills = sum(m.killed for _, m, _ in rows), sum(t.killed for _, _, t in rows)
    times = [clean_ours.seconds + sum(m.seconds for _, m, _ in rows)]
    times.append(clean_st.seconds + sum(t.seconds for _, _, t in rows))
    st_any = sum(bool(t.found) for _, _, t in rows)
    return [
        f"| **total** ({len(rows)} faults) | | **{kills[0]}/{len(rows)}** | **{times[0]:.0f} s** "
        f"| **{kills[1]}/{len(rows)}** | | **{times[1]:.0f} s** |",
        "",
        f"- Schemathesis exits non-zero on the clean reference (found: {_found(clean_st)}), "
        f"so its raw exit status would 'kill' {st_any}/{len(rows)} faults and the conformant "
        "server alike; the table counts only findings beyond that clean baseline.",
        "- `projectId` is pinned to the real project (as the issue asks), so Schemathesis never "
        "sends another or a malformed project id; what the page says beyond the schema "
        "(order, paging, archived rows, filters) is out of any schema-driven tool's sight.",
        f"- the whole comparison took {total / 60:.1f} min of wall time, every run once.",
    ]


def _clean(run: ToolRun) -> str:
    return run.note if not run.found else f"{run.note}, broken: {', '.join(sorted(run.found))}"


def _yes(run: ToolRun) -> str:
    return ("**killed**" if run.killed else "survived") + (f" ({run.note})" if run.note else "")


def _new(run: ToolRun, baseline: ToolRun) -> str:
    return ", ".join(sorted(run.found - baseline.found)) or "-"


def _found(run: ToolRun) -> str:
    return ", ".join(sorted(run.found)) or "nothing"
