"""A target described on the command line instead of a targets file, archived ids read from
a file, and curl lines that name the variable each key really came from."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml
from harness import KEY, run_suite, suite_env

from layers_conformance.reference.faults import FAULTS


def flags_of(started, *names):
    """`--base-url` and the fixtures of a started reference as command-line options."""
    entry = yaml.safe_load(started.targets_file.read_text())["targets"][started.name]
    fixtures = entry["fixtures"]
    options = ["--base-url", entry["base_url"], "--project-id", fixtures["project_id"]]
    for name in names:
        options += [f"--{name.replace('_', '-')}", fixtures[name]]
    return options


def write_ids(path, ids):
    path.write_text("# archived influencers of the main project\n" + "\n".join(ids) + "\n")
    return path


def archived_ids(started):
    entry = yaml.safe_load(started.targets_file.read_text())["targets"][started.name]
    return entry["fixtures"]["archived_influencer_ids"]


class TestBaseUrl:
    def test_a_run_needs_no_targets_file(self, tmp_path, targets):
        """--base-url, the fixtures as options and the keys from the environment: the whole
        suite runs and passes, reported under the target's host."""
        started = targets.start()
        ids = write_ids(tmp_path / "archived.txt", archived_ids(started))
        options = flags_of(started, "empty_project_id", "foreign_project_id")
        run = run_suite(tmp_path, *options, f"--archived-ids-file={ids}", name="127.0.0.1")
        assert run.code == 0, run.explain()
        assert set(run.statuses.values()) == {"pass"}
        assert run.report["target"] == "127.0.0.1"
        assert run.report["base_url"] == started.served.base_url

    def test_fixtures_not_given_are_skipped(self, tmp_path, targets):
        """Without the optional fixtures, their requirements are skipped and named; a
        targets.yaml in the directory is not read when --base-url is given."""
        (tmp_path / "targets.yaml").write_text("not: [a targets file\n")
        run = run_suite(tmp_path, *flags_of(targets.start()), "--target", "peer", name="peer")
        assert run.code == 0, run.explain()
        assert run.statuses["ARCH-EXCLUDED-001"] == "skip"
        assert "archived_influencer_ids" in run.reasons["ARCH-EXCLUDED-001"]
        assert run.report["target"] == "peer"


URL, PROJECT = "http://127.0.0.1:9", "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
# (id, options, words the one error line must hold)
BAD = [
    ("no-project", ["--base-url", URL], ["--base-url needs --project-id"]),
    ("not-a-uuid", ["--base-url", URL, "--project-id", "p-1"], ["--project-id='p-1'", "uuid"]),
    ("not-http", ["--base-url", "ftp://x", "--project-id", PROJECT], ["--base-url", "http"]),
    ("scheme", ["--base-url", URL, "--project-id", PROJECT, "--auth-scheme", "basic"],
     ["--auth-scheme='basic'", "'x-api-key', 'bearer'"]),
    ("no-ids-file", ["--base-url", URL, "--project-id", PROJECT, "--archived-ids-file", "no.txt"],
     ["--archived-ids-file='no.txt'", "cannot read"]),
    ("without-base-url", ["--project-id", PROJECT], ["--project-id", "--base-url", "missing"]),
    ("and-a-file", ["--base-url", URL, "--project-id", PROJECT, "--targets-file", "t.yaml"],
     ["--base-url and --targets-file"]),
    ("key-unset", ["--base-url", URL, "--project-id", PROJECT],
     ["LAYERS_API_KEY", "not set"]),
]  # fmt: skip


@pytest.mark.parametrize(("options", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_options_are_a_usage_error_in_one_line(tmp_path, options, words):
    """The options are validated like a targets entry: exit 4, one line, nothing sent."""
    env = suite_env()
    if "not set" in words:
        del env["LAYERS_API_KEY"]
    run = run_suite(tmp_path, *options, env=env, timeout=60)
    assert run.code == 4, run.explain()
    assert "Traceback" not in run.output
    lines = [line for line in run.stderr.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, run.stderr
    assert not (tmp_path / "reports").exists()


class TestArchivedIdsFile:
    def test_a_targets_entry_reads_ids_from_a_file_beside_it(self, tmp_path, targets):
        """`archived_influencer_ids_file`, relative to the targets file, replaces the list:
        the archived checks run (and pass) on the ids it holds."""
        started = targets.start()
        document = yaml.safe_load(started.targets_file.read_text())
        fixtures = document["targets"][started.name]["fixtures"]
        write_ids(
            started.targets_file.parent / "archived.txt", fixtures.pop("archived_influencer_ids")
        )
        fixtures["archived_influencer_ids_file"] = "archived.txt"
        started.targets_file.write_text(yaml.safe_dump(document))
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        run = run_suite(elsewhere, "-k", "archived", target=started)
        assert run.code == 0, run.explain()
        assert run.statuses["ARCH-EXCLUDED-001"] == "pass"


class TestCurlLines:
    def test_a_curl_line_names_the_keys_variable_and_works_when_pasted(self, tmp_path, targets):
        """With `key: ${PEER_KEY}`, a failure's curl line says `$PEER_KEY`, and pasted into a
        shell where PEER_KEY is set it gets the page the check saw."""
        started = targets.start(
            FAULTS["oldest_first"], auth={"scheme": "x-api-key", "key": "${PEER_KEY}"}
        )
        env = suite_env(PEER_KEY=KEY)
        del env["LAYERS_API_KEY"]
        run = run_suite(tmp_path, "-k", "newest", target=started, env=env)
        assert run.code == 1, run.explain()
        lines = re.findall(r"reproduce: (curl .*)", run.stdout)
        assert lines, run.explain()
        assert all("$PEER_KEY" in line and "LAYERS_API_KEY" not in line for line in lines)
        shell = {"PEER_KEY": KEY, "PATH": os.environ["PATH"]}
        done = subprocess.run(["bash", "-c", lines[0]], capture_output=True, text=True, env=shell)
        assert done.stdout.startswith("HTTP/1.1 200"), done.stdout + done.stderr


class TestEmbeddedEntry:
    def test_a_targets_entry_starts_the_embedded_reference_live(self, tmp_path):
        """`live: {reference: {live: 2, size: 60}}` starts the embedded reference, its list
        changing as the run reads it: an answer lists an influencer created after the
        dataset's newest, and the reports go under the entry's name."""
        document = {"targets": {"live": {"reference": {"live": 2, "size": 60}}}}
        (tmp_path / "t.yaml").write_text(yaml.safe_dump(document))
        run = run_suite(tmp_path, "--targets-file", "t.yaml", "--target", "live", name="live")
        assert run.report["target"] == "live", run.explain()
        har = (run.report_dir / "exchanges.har").read_text()
        stamps = re.findall(r'createdAt\\\\?"\s*:\s*\\\\?"([0-9T:Z-]+)', har)
        assert stamps
        assert max(stamps) > "2026-04-01T14:22:10Z"  # the still dataset's newest

    def test_a_bad_live_rate_is_a_usage_error(self, tmp_path):
        run = run_suite(tmp_path, "--reference-live", "0.5")
        assert run.code == 4
        assert "--reference-live=0.5 must be a number of requests, at least 1" in run.stderr
