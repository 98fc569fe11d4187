"""`layers-conformance run [pytest options]`: the packaged suites under pytest, from anywhere.

It is `python -m pytest` on the suites the package carries, with the package's own pytest
configuration, so a run from any directory behaves as `pytest` does in the repository: the
same options, exit statuses and reports (written relative to the current directory). What
lies in that directory does not take part:

- `-c` names the package's configuration, so no `pytest.ini`, `pyproject.toml`, `tox.ini` or
  `setup.cfg` there is read, and the root directory is the package's whatever the arguments
  (an option's value written `--report-dir DIR` is never taken for a test path);
- `--noconftest`: the suites need no conftest.py, and no user's conftest.py is imported;
- `-P` (Python 3.11): the current directory is not put on `sys.path`, so a module there
  cannot shadow one the suite imports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from layers_conformance.core.catalogue import bundled


def pytest_command(args: Sequence[str]) -> list[str]:
    """The command that runs the packaged suites with `args` (pytest's and the plugin's)."""
    config = bundled("pyproject.toml")
    return [
        sys.executable, "-P", "-m", "pytest",
        "-c", str(config), "--rootdir", str(config.parent), "--noconftest",
        *args, str(bundled("suites")),
    ]  # fmt: skip


def run_to_the_end(
    command: Sequence[str],
    *,
    cwd: str | Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`command` (a pytest run, from `pytest_command` or the like) in its own process, its
    output kept as text; a failing exit status is the run's answer, never an exception. A
    run still going after `timeout_s` is killed: its answer is what it printed, then why."""
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            cwd=cwd,
            env=env,
        )
    except subprocess.TimeoutExpired as stopped:
        said = [_text(stopped.stdout), _text(stopped.stderr)]
        why = f"the run did not end within {timeout_s:g} s and was stopped"
        said[1] = f"{said[1].rstrip()}\n{why}\n".lstrip()
        return subprocess.CompletedProcess(command, -signal.SIGKILL, *said)


def _text(output: str | bytes | None) -> str:
    """What a stopped process printed, as text whichever form it came in."""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def without_pytest_variables(**extra: str) -> dict[str, str]:
    """This process's environment without pytest's own variables (no PYTEST_ADDOPTS narrowing
    a run started from here), plus `extra`. An inherited PYTEST_XDIST_WORKER_COUNT would do
    no harm: a run reads its workers from xdist's `workerinput` (`plugin.options.read`)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | extra


def output_tail(done: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    """The last lines a finished run printed, on one line: why it wrote no report."""
    return " | ".join((done.stdout + done.stderr).strip().splitlines()[-lines:])


def main(argv: Sequence[str]) -> int:
    """Become that pytest process: its output, its signals and its exit status are the run's."""
    command = pytest_command(argv)
    sys.stdout.flush()
    os.execv(command[0], command)
