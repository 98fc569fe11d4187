"""What every benchmark needs: timed child processes, summaries, the machine, the paths."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
SUITES = ROOT / "suites"
PYTHON = sys.executable
# One seed for every suite run: the same seed means the same generated requests, so runs
# differ only by the machine's noise.
SEED = 20261129
PACKAGES = ("layers-conformance", "pytest", "pytest-xdist", "httpx", "hypothesis")
PACKAGES += ("jsonschema", "starlette", "uvicorn", "allure-pytest")


@dataclass(frozen=True)
class Timed:
    """One child process: wall time, the CPU it and its children used, how it ended."""

    wall_s: float
    cpu_s: float
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Summary:
    """Median, min and max of repeated measurements."""

    median: float
    low: float
    high: float
    runs: int

    def fmt(self, unit: str = "s", digits: int = 2) -> str:
        """`median (min-max)` with the unit, as the results tables print it."""
        m, lo, hi = (f"{v:.{digits}f}" for v in (self.median, self.low, self.high))
        return f"{m} {unit} ({lo}-{hi})".replace("  ", " ")  # no unit: one space


def summarize(values: Sequence[float]) -> Summary:
    """The summary of at least one value."""
    return Summary(statistics.median(values), min(values), max(values), len(values))


def run_timed(
    command: Sequence[str],
    *,
    timeout: float = 600,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Timed:
    """Run `command` to the end; its CPU is the growth of this process's children's rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, done.returncode, done.stdout, done.stderr)


def run_peak(
    command: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Run `command` to the end, its output to `log`; its wall time and its own peak RSS in
    MB (from wait4, which the children's rusage would merge with others')."""
    bounded = run_bounded(command, log, env)
    return bounded.wall_s, bounded.peak_mb


@dataclass(frozen=True)
class Bounded:
    """A child process run for at most some time: its wall time, its own peak RSS in MB, and
    whether it ended by itself (if not, the peak is its `VmHWM` when it was stopped)."""

    wall_s: float
    peak_mb: float
    finished: bool


def run_bounded(
    command: Sequence[str],
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Bounded:
    """Run `command`, its output to `log`, until it ends or `timeout` seconds have passed;
    then it is stopped (SIGKILL: nothing it would write after is measured)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        child = subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG if timeout else 0)
            if pid:
                child.returncode = os.waitstatus_to_exitcode(status)
                return Bounded(time.perf_counter() - started, usage.ru_maxrss / 1024, True)
            if timeout is not None and time.perf_counter() - started > timeout:
                peak = _high_water_mb(child.pid)
                child.kill()
                child.wait()
                return Bounded(time.perf_counter() - started, peak, False)
            time.sleep(0.5)


def _high_water_mb(pid: int) -> float:
    """A running process's peak RSS so far (`VmHWM`), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tail(timed: Timed, lines: int = 5) -> str:
    """The end of a child's output, to say why it failed."""
    return "\n".join((timed.stdout + timed.stderr).strip().splitlines()[-lines:])


def suite_command(profile: str, report_dir: Path, *extra: str) -> list[str]:
    """The suite run as a user types it, with the bench's fixed seed."""
    return [
        PYTHON, "-m", "pytest", str(SUITES), "-q", "--profile", profile,
        "--seed", str(SEED), f"--report-dir={report_dir}", *extra,
    ]  # fmt: skip


def machine() -> list[str]:
    """Markdown lines describing the machine and the software measured."""
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores "
        f"(load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())})",
        f"- memory: {_memory_gib():.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- packages: {', '.join(f'{name} {_version(name)}' for name in PACKAGES)}",
    ]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
