"""`layers-conformance serve`, the targets entry it prints, and the SQLite file option."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys

import httpx
import pytest
import yaml

from banner import read_banner
from layers_conformance.reference.app import reference_app
from layers_conformance.reference.faults import CATALOGUE
from layers_conformance.reference.serve import main, serve_in_thread, targets_entry


def test_unknown_fault_is_one_line_and_exit_2(capsys):
    """A misspelt fault name stops the command with one line on stderr."""
    assert main(["--fault", "oldest_frist"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_list_faults_names_every_entry(capsys):
    """--list-faults prints one line per catalogue entry."""
    assert main(["--list-faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == list(CATALOGUE)


def test_targets_entry_hides_keys(dataset):
    """The entry names the fixtures and leaves keys to the environment."""
    entry = targets_entry("http://127.0.0.1:1", dataset.fixtures)
    assert entry["auth"]["key"] == "${LAYERS_API_KEY}"
    assert entry["fixtures"]["project_id"] == dataset.fixtures.project_id
    assert dataset.fixtures.key not in yaml.safe_dump(entry)


def test_file_database(dataset, tmp_path):
    """The store can live in a SQLite file, rebuilt on every start."""
    db = str(tmp_path / "reference.sqlite")
    for _ in range(2):
        with serve_in_thread(reference_app(dataset, db_path=db)) as url:
            path = f"{url}/v1/projects/{dataset.fixtures.project_id}/influencers"
            response = httpx.get(path, headers={"X-Api-Key": dataset.fixtures.key})
            assert len(response.json()["items"]) == 25


def test_serve_command_prints_a_working_entry():
    """The command prints export lines and a YAML entry that reach the (faulted) server."""
    command = [sys.executable, "-m", "layers_conformance.cli", "serve", "--port", "0"]
    command += ["--size", "30", "--fault", "oldest_first"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            banner = read_banner(server)
            body = _first_page(banner)
        finally:
            server.terminate()
    stamps = [item["createdAt"] for item in body["items"]]
    assert stamps == sorted(stamps), "the oldest_first fault is applied"


def _first_page(banner):
    key = banner[1].strip().removeprefix("export LAYERS_API_KEY=")
    assert banner[4].startswith("layers-conformance run --base-url http://127.0.0.1:")
    target = yaml.safe_load("".join(banner[banner.index("targets:\n") :]))["targets"]["reference"]
    path = f"/v1/projects/{target['fixtures']['project_id']}/influencers"
    return httpx.get(target["base_url"] + path, headers={"X-Api-Key": key}).json()


def test_the_embedded_reference_formats_no_traceback_in_the_runs_process(dataset):
    """A fault that drops the connection raises inside the server thread; nothing there
    may format a traceback (it would parse source with `ast` beside pytest, which CPython
    3.11 does not survive): the server's error log is off while it serves."""
    from layers_conformance.reference.faults import HOSTILE

    app = reference_app(dataset, HOSTILE["drop_connection"])
    with serve_in_thread(app) as base_url:
        assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.ERROR)
        project = dataset.fixtures.project_id
        headers = {"X-Api-Key": dataset.fixtures.key}
        first = httpx.get(f"{base_url}/v1/projects/{project}/influencers?limit=1", headers=headers)
        cursor = first.json()["nextCursor"]
        with contextlib.suppress(httpx.TransportError):  # however the client sees the drop
            httpx.get(
                f"{base_url}/v1/projects/{project}/influencers",
                params={"limit": "1", "cursor": cursor},
                headers=headers,
            )
        assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.ERROR)


def test_a_server_that_dies_before_its_banner_fails_the_test_at_once():
    """Reading the banner stops at the end of the output, not only at the ready line."""
    dies = [sys.executable, "-c", "print('starting'); raise SystemExit(3)"]
    with (
        subprocess.Popen(dies, stdout=subprocess.PIPE, text=True) as server,
        pytest.raises(pytest.fail.Exception, match="starting"),
    ):
        read_banner(server)
