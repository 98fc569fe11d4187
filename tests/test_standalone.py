"""`layers-conformance run` from an installed wheel, in directories that are not the checkout.

The wheel is built from this checkout and installed into a fresh virtualenv in a temporary
directory. That virtualenv has no pip and no network: it borrows this environment's
installed dependencies through a `.pth` line (not this environment's editable install of
the package, whose path lives in a .pth file a plain path line does not read).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from banner import read_banner
from layers_conformance.core.catalogue import spec_sha256
from layers_conformance.standalone import pytest_command

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 240


@dataclass(frozen=True)
class Installed:
    """A virtualenv holding the wheel, and what a command there printed."""

    venv: Path

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "layers-conformance"

    def run(self, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`layers-conformance run *args` in `cwd`."""
        return subprocess.run(
            [str(self.command), "run", *args],
            cwd=cwd,
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )


def clean_env(**extra: str) -> dict[str, str]:
    """Our environment without pytest's own variables (xdist's would shrink the budget)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LAYERS_"))}
    return env | extra


def check(*command: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel built with `pip wheel --no-deps`, installed in a fresh virtualenv."""
    root = tmp_path_factory.mktemp("standalone")
    assert not root.resolve().is_relative_to(REPO), "the install must be outside the checkout"
    check(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "-w", root / "dist", REPO)  # fmt: skip
    [wheel] = (root / "dist").glob("layers_conformance-*.whl")
    venv = root / "venv"
    check(sys.executable, "-m", "venv", "--without-pip", venv)
    site = Path(sysconfig.get_paths(vars={"base": str(venv)})["purelib"])
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
          "--no-deps", "--no-index", wheel)  # fmt: skip
    return Installed(venv)


def empty_dir(tmp_path: Path, name: str = "empty") -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def report(directory: Path) -> dict:
    return json.loads((directory / "conformance.json").read_text())


def statuses(directory: Path) -> dict[str, str]:
    return {r["id"]: r["status"] for r in report(directory)["requirements"]}


class TestCommand:
    def test_the_run_is_pytest_on_the_packaged_suites_with_the_packages_configuration(self):
        """-c names the packaged configuration, conftest files and the cwd's modules are off."""
        command = pytest_command(["-k", "limit"])
        assert command[:4] == [sys.executable, "-P", "-m", "pytest"]
        config = Path(command[command.index("-c") + 1])
        assert config.name == "pyproject.toml"
        assert "--noconftest" in command
        assert command[-3:-1] == ["-k", "limit"]
        assert Path(command[-1]).name == "suites"


@pytest.mark.slow
class TestInstalledWheel:
    def test_the_wheel_carries_the_spec_and_the_suites(self, installed):
        """The installed package reads its own spec (the same digest as the checkout's)."""
        code = "import layers_conformance.core.catalogue as c; print(c.spec_dir(), c.spec_sha256())"
        python = installed.venv / "bin" / "python"
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
        spec, digest = done.stdout.split()
        assert Path(spec).is_relative_to(installed.venv)
        assert (Path(spec).parent / "suites" / "test_limit.py").is_file()
        assert digest == spec_sha256()

    def test_the_embedded_reference_passes_from_an_empty_directory(self, installed, tmp_path):
        """Exit 0, and the reports where `--report-dir DIR` (written with a space) says."""
        cwd = empty_dir(tmp_path)
        out = tmp_path / "out"
        out.mkdir()  # an existing directory outside cwd: plain pytest would take it for a test
        run = installed.run(cwd, "--report-dir", str(out), "-p", "no:randomly", "--seed", "1")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        assert report(out / "reference")["verdict"] == "pass"
        for name in ("index.html", "junit.xml"):
            assert (out / "reference" / name).is_file()
        # Besides the reports, only Hypothesis's cache (of Unicode tables) lands in the cwd.
        assert [p.name for p in cwd.iterdir()] == [".hypothesis"]

    def test_the_directorys_own_pytest_configuration_takes_no_part(self, installed, tmp_path):
        """A conftest.py, pytest.ini and pyproject.toml that would break any pytest run, and
        a module shadowing a dependency, do not reach the run."""
        cwd = empty_dir(tmp_path, "project")
        (cwd / "conftest.py").write_text("raise SystemExit('the user conftest.py was imported')\n")
        (cwd / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\n")
        (cwd / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-x --nope"\n')
        (cwd / "yaml.py").write_text("raise SystemExit('the cwd shadowed yaml')\n")
        run = installed.run(cwd, "--profile", "smoke", "--report-dir=reports")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        assert report(cwd / "reports" / "reference")["profile"] == "smoke"

    def test_a_served_fault_fails_with_and_without_a_targets_file(self, installed, tmp_path):
        """Against `serve --fault oldest_first`: exit 1 and ORDER-NEWEST-001 failed, run by
        --base-url and the keys exported as `serve` prints them, and by a targets file."""
        serve = [installed.command, "serve", "--port", "0", "--fault", "oldest_first"]
        with subprocess.Popen(serve, stdout=subprocess.PIPE, text=True, env=clean_env()) as server:
            try:
                banner = read_banner(server)
                self._fails_both_ways(installed, empty_dir(tmp_path), banner)
            finally:
                server.terminate()

    def _fails_both_ways(self, installed, cwd, banner):
        keys = dict(line.removeprefix("export ").strip().split("=", 1) for line in banner[1:3])
        run_line = banner[4].split()
        assert run_line[:2] == ["layers-conformance", "run"]
        by_options = installed.run(cwd, *run_line[2:], "--report-dir", "by-options", **keys)
        assert by_options.returncode == 1, by_options.stdout[-3000:] + by_options.stderr
        assert statuses(cwd / "by-options" / "127.0.0.1")["ORDER-NEWEST-001"] == "fail"
        entry = yaml.safe_load("".join(banner[banner.index("targets:\n") :]))
        (cwd / "targets.yaml").write_text(yaml.safe_dump(entry))
        by_file = installed.run(cwd, "--target", "reference", "--report-dir=by-file", **keys)
        assert by_file.returncode == 1, by_file.stdout[-3000:] + by_file.stderr
        assert statuses(cwd / "by-file" / "reference")["ORDER-NEWEST-001"] == "fail"
