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
    """A running reference: where it answers and how long it took to get there."""

    base_url: str
    ready_s: float


@contextmanager
def served(size: int = 160, faults: Sequence[str] = ()) -> Iterator[Served]:
    """Start `layers-conformance serve --port 0`; yield once it prints its ready line."""
    command = [PYTHON, "-m", "layers_conformance.cli", "serve", "--port", "0"]
    command += ["--size", str(size), *(arg for f in faults for arg in ("--fault", f))]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    try:
        base_url = _wait_ready(process)
        yield Served(base_url, time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(10)


def _wait_ready(process: subprocess.Popen[str]) -> str:
    # The banner's first line: "reference server on http://127.0.0.1:PORT (faults: ...)".
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_S
    base_url = ""
    for line in process.stdout:
        if line.startswith("reference server on "):
            base_url = line.split()[3]
        if line.strip() == READY_LINE:
            return base_url
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"the reference did not start (exit {process.poll()})")
