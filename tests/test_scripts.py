"""`scripts/check`, the README's second command and all of CI: what it does on a machine
that lacks a system package it needs, and that `.ci/run` is exactly it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_check_with(tmp_path: Path, tools: dict[str, str]):
    """scripts/check, copied into an empty folder, with only `tools` on PATH."""
    scripts = tmp_path / "repo" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "check", scripts)
    path = tmp_path / "bin"
    path.mkdir()
    for name, target in tools.items():
        (path / name).symlink_to(target)
    return subprocess.run(
        [str(path / "bash"), str(scripts / "check")],
        env={"PATH": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_chromium_or_apt_it_stops_at_once_with_the_command_to_run(tmp_path):
    """No browser on PATH and no apt-get to install it (as for a user who is not root): exit 1
    before anything is set up, printing the one command that installs it."""
    tools = {name: shutil.which(name) for name in ("bash", "dirname", "id")}
    done = run_check_with(tmp_path, tools | {"python3.11": sys.executable})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "scripts/check: chromium missing; install with this command, then run me again:",
        "  sudo apt-get update && sudo apt-get install -y chromium",
    ]
    assert list((tmp_path / "repo").iterdir()) == [tmp_path / "repo" / "scripts"]


def test_without_python_it_says_which_one_it_needs(tmp_path):
    """No python3.11 on PATH: one line saying so, and how to name another."""
    done = run_check_with(tmp_path, {name: shutil.which(name) for name in ("bash", "dirname")})
    assert done.returncode == 1
    assert done.stderr == (
        "scripts/check: python3.11 is not on PATH (set PYTHON to a Python 3.11 or later)\n"
    )


def test_ci_runs_exactly_the_script():
    """`.ci/run` does nothing but hand over to scripts/check."""
    lines = (REPO / ".ci" / "run").read_text().splitlines()
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands == ["set -euo pipefail", 'exec "$(dirname "$0")/../scripts/check"']
