"""The reference served in a process of its own, through `layers-conformance serve`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from common import PYTHON, ROOT

READY_LINE = "serving until Ctrl-C"  # what `serve` prints once it answers
STARTUP_S = 120.0  # 100,000 influencers take a while to build on a busy machine


@dataclass(frozen=True)
class Served:
    """A running reference: where it answers, how long it took to get there, and the suite's
    options and environment for a run against it (from its banner)."""

    base_url: str
    ready_s: float
    run_args: tuple[str, ...] = ()  # --base-url URL --project-id ... as the banner prints
    env: tuple[tuple[str, str], ...] = ()  # the keys its banner exports


@contextmanager
def served(
    size: int = 160, faults: Sequence[str] = (), gateway: str | None = None
) -> Iterator[Served]:
    """Start `layers-conformance serve --port 0` (behind `gateway`, a `--gateway` mode);
    yield once it prints its ready line."""
    command = [PYTHON, "-m", "layers_conformance.cli", "serve", "--port", "0"]
    command += ["--size", str(size), *(arg for f in faults for arg in ("--fault", f))]
    command += [] if gateway is None else ["--gateway", gateway]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    try:
        base_url, run_args, env = _wait_ready(process)
        yield Served(base_url, time.perf_counter() - started, run_args, env)
    finally:
        process.terminate()
        process.wait(10)


def _wait_ready(
    process: subprocess.Popen[str],
) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    # The banner's first line: "reference server on http://127.0.0.1:PORT (faults: ...)";
    # then `export NAME=VALUE` lines and the `layers-conformance run --base-url ...` line.
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_S
    base_url, run_args, env = "", (), []
    for line in process.stdout:
        if line.startswith("reference server on "):
            base_url = line.split()[3]
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            env.append((name, value))
        if line.startswith("layers-conformance run "):
            run_args = tuple(line.split()[2:])
        if line.strip() == READY_LINE:
            return base_url, run_args, tuple(env)
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"the reference did not start (exit {process.poll()})")
