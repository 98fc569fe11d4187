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
import sys
from collections.abc import Sequence

from layers_conformance.core.catalogue import bundled


def pytest_command(args: Sequence[str]) -> list[str]:
    """The command that runs the packaged suites with `args` (pytest's and the plugin's)."""
    config = bundled("pyproject.toml")
    return [
        sys.executable, "-P", "-m", "pytest",
        "-c", str(config), "--rootdir", str(config.parent), "--noconftest",
        *args, str(bundled("suites")),
    ]  # fmt: skip


def main(argv: Sequence[str]) -> int:
    """Become that pytest process: its output, its signals and its exit status are the run's."""
    command = pytest_command(argv)
    sys.stdout.flush()
    os.execv(command[0], command)
