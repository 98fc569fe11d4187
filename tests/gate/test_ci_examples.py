"""The CI recipes in examples/ci/ work as written: each is parsed as its CI system would,
and the exact command lines of its jobs are run, job by job, against the reference.

Each job gets its own fresh "checkout": a folder holding only `ci/targets.yaml`, whose entries,
named as in the matrix, point at a reference server this test starts (so the recipes work from
any repository, not only this one); artifacts travel between jobs as the CI system moves them.
Only the `pip install` lines are left out: this test runs in an installed environment.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate import REPO, served_reference, write_targets

EXAMPLES = REPO / "examples" / "ci"
GITHUB_EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


@pytest.fixture(scope="module")
def reference():
    with served_reference() as served:
        yield served


def checkout(folder: Path, served, targets: list[str]) -> Path:
    """A fresh clone of a repository that keeps its targets file in ci/, as a job starts from."""
    folder.mkdir(parents=True)
    write_targets(folder / "ci" / "targets.yaml", dict.fromkeys(targets, served.entry))
    return folder


def run_script(lines: list[str], folder: Path, env: dict[str, str]) -> int:
    """The lines as a CI runner runs them: bash, stop at the first failure."""
    kept = [line for line in lines if "pip install" not in line]
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(kept)],
        cwd=folder,
        env=env | {"PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(done.stdout[-3000:], done.stderr[-3000:])  # shown when the test fails
    return done.returncode


# --- GitHub Actions -----------------------------------------------------------------------


def github_substitute(text: str, context: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        scope, _, name = match.group(1).partition(".")
        return str(context[scope][name])

    return GITHUB_EXPRESSION.sub(value, text)


def github_job(job, folder, context, artifacts, served) -> list[int]:
    """Run one job's steps: `run` scripts, artifact upload and download; the exit codes."""
    codes = []
    for step in job["steps"]:
        uses = step.get("uses", "")
        given = {k: github_substitute(str(v), context) for k, v in step.get("with", {}).items()}
        if "run" in step:
            env = {k: github_substitute(str(v), context) for k, v in step.get("env", {}).items()}
            lines = github_substitute(step["run"], context).splitlines()
            codes.append(run_script(lines, folder, served.env | env))
        elif uses.startswith("actions/upload-artifact"):
            artifacts[given["name"]] = folder / given["path"]
        elif uses.startswith("actions/download-artifact"):
            for name, path in artifacts.items():
                if fnmatch.fnmatch(name, given["pattern"]):
                    shutil.copytree(path, folder / given["path"] / name)
    return codes


def test_the_github_workflow_runs_as_written(tmp_path, reference):
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"][0]["cron"]
    conformance, fleet = workflow["jobs"]["conformance"], workflow["jobs"]["fleet"]
    assert conformance["strategy"]["fail-fast"] is False
    assert fleet["needs"] == "conformance"
    matrix = conformance["strategy"]["matrix"]["include"]
    targets = [entry["target"] for entry in matrix]
    secrets = {name: reference.env[name] for name in ("LAYERS_API_KEY", "LAYERS_API_KEY_NO_SCOPE")}
    artifacts: dict[str, Path] = {}
    for entry in matrix:
        folder = checkout(tmp_path / f"job-{entry['target']}", reference, targets)
        context = {"matrix": entry, "secrets": secrets, "github": {"run_id": "1"}}
        codes = github_job(conformance, folder, context, artifacts, reference)
        assert set(codes) == {0}, f"{entry}: {codes}"
        assert (folder / "reports" / entry["target"] / "junit.xml").is_file()
    assert sorted(artifacts) == sorted(f"conformance-{t}" for t in targets)
    folder = checkout(tmp_path / "job-fleet", reference, targets)
    context = {"secrets": secrets, "github": {"run_id": "1"}}
    assert set(github_job(fleet, folder, context, artifacts, reference)) == {0}
    assert_fleet_page(artifacts["conformance-fleet"] / "index.html", targets)


# --- GitLab CI ----------------------------------------------------------------------------


def gitlab_jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The jobs, with `extends` resolved (one level, as the file uses it)."""
    reserved = {"stages", "variables", "default", "include", "workflow"}
    jobs = {n: j for n, j in pipeline.items() if n not in reserved and not n.startswith(".")}
    return {n: pipeline.get(j.get("extends", ""), {}) | j for n, j in jobs.items()}


def gitlab_matrix(job: dict[str, Any]) -> list[dict[str, str]]:
    """parallel:matrix expanded: each entry's lists multiplied out."""
    combos = []
    for entry in job["parallel"]["matrix"]:
        lists = {k: v if isinstance(v, list) else [v] for k, v in entry.items()}
        combos += [
            dict(zip(lists, values, strict=True)) for values in itertools.product(*lists.values())
        ]
    return combos


def gitlab_job(job, folder, variables, served) -> int:
    return run_script(job.get("before_script", []) + job["script"], folder, served.env | variables)


def test_the_gitlab_pipeline_runs_as_written(tmp_path, reference):
    jobs = gitlab_jobs(yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text()))
    conformance, fleet = jobs["conformance"], jobs["fleet"]
    assert (conformance["stage"], fleet["stage"]) == ("check", "report")
    matrix = gitlab_matrix(conformance)
    targets = [entry["TARGET"] for entry in matrix]
    fleet_folder = checkout(tmp_path / "job-fleet", reference, targets)
    for entry in matrix:
        folder = checkout(tmp_path / f"job-{entry['TARGET']}", reference, targets)
        assert gitlab_job(conformance, folder, entry, reference) == 0, entry
        junit = os.path.expandvars(
            conformance["artifacts"]["reports"]["junit"].replace("$TARGET", entry["TARGET"])
        )
        assert (folder / junit).is_file()
        for pattern in conformance["artifacts"]["paths"]:  # later stages get them, same paths
            path = pattern.replace("$TARGET", entry["TARGET"])
            shutil.copytree(folder / path, fleet_folder / path)
    assert gitlab_job(fleet, fleet_folder, {}, reference) == 0
    assert_fleet_page(fleet_folder / fleet["artifacts"]["paths"][0] / "index.html", targets)


def assert_fleet_page(page: Path, targets: list[str]) -> None:
    """The page the final job built shows every target's latest run."""
    text = page.read_text(encoding="utf-8")
    assert f"Fleet: the latest run of {len(targets)} targets" in text
    for target in targets:
        assert re.search(rf'<tr id="fleet-{target}">.*?PASS', text, re.S), target


def test_the_example_waivers_file_loads():
    """The documented waivers file is valid as shipped."""
    from layers_conformance.core.catalogue import load_catalogue
    from layers_conformance.run.waivers import load_waivers

    (waiver,) = load_waivers(EXAMPLES / "waivers.yaml", load_catalogue())
    assert (waiver.requirement, waiver.target) == ("ORDER-NEWEST-001", "staging")
