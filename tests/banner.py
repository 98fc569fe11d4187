"""The banner `layers-conformance serve` prints before it serves, read with a bound: a server
that dies before it, or never prints it, fails the test instead of hanging it."""

from __future__ import annotations

import subprocess
import threading

import pytest

from layers_conformance.reference.serve import READY_LINE

# Not a measure of speed: only how long a test waits before it says the server never started.
BANNER_WAIT_S = 120.0


def read_banner(server: subprocess.Popen[str], wait_s: float = BANNER_WAIT_S) -> list[str]:
    """The lines `server` printed before its ready line."""
    assert server.stdout is not None
    stdout, lines, ended = server.stdout, [], threading.Event()

    def read() -> None:
        for line in stdout:  # stops at the end of the output: a server that died
            lines.append(line)
            if line == READY_LINE + "\n":
                break
        ended.set()

    threading.Thread(target=read, daemon=True).start()
    ended.wait(wait_s)
    if not lines or lines[-1] != READY_LINE + "\n":
        said = "".join(lines[-5:]) or "nothing"
        pytest.fail(f"the server printed no {READY_LINE!r} (exit {server.poll()}): {said}")
    return lines[:-1]
