"""`layers-conformance verify`: accepts an honest bundle offline, and rejects an edited one by
re-deriving the verdict from the recorded exchanges, not only by its manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from evidence import bundle_of, certify, edited, har_of, json_of, put_json
from harness import KEY, KEY_NO_SCOPE, suite_env

from layers_conformance.reference.faults import FAULTS
from layers_conformance.verify import main, older_verdict_word

NO_NETWORK = """
import socket

def refuse(*args, **kwargs):
    raise OSError("no network in this process")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = refuse
"""


def verified(capsys, bundle):
    """verify's exit status and what it printed."""
    code = main([str(bundle)])
    return code, capsys.readouterr().out


def answers_to(files, keep):
    """The HAR entries `keep(entry)` selects (a request may be recorded more than once)."""
    entries = [entry for entry in har_of(files) if keep(entry)]
    assert entries, "the run recorded no such request"
    return entries


def edit_entries(files, keep, change):
    document = json_of(files, "exchanges.har")
    for entry in document["log"]["entries"]:
        if keep(entry):
            change(entry)
    put_json(files, "exchanges.har", document)


def without_claim(key):
    """An edit of a bundle that drops `key` from its conformance.json."""

    def edit(files):
        report = json_of(files, "conformance.json")
        del report[key]
        put_json(files, "conformance.json", report)

    return edit


def claiming(verdict):
    """An edit of a bundle whose conformance.json claims the run verdict `verdict`."""

    def edit(files):
        report = json_of(files, "conformance.json")
        report["verdict"] = verdict
        put_json(files, "conformance.json", report)

    return edit


def first_page_at_100(entry):
    url = urlsplit(entry["request"]["url"])
    return url.query == "limit=100" and url.path.endswith("/influencers")


def without_credentials(entry):
    names = {header["name"].lower() for header in entry["request"]["headers"]}
    return (
        not names & {"x-api-key", "authorization"} and not urlsplit(entry["request"]["url"]).query
    )


def drop_last_item(entry):
    content = entry["response"]["content"]
    body = json.loads(content["text"])
    body["items"] = body["items"][:-1]
    content["text"] = json.dumps(body)


class TestAccepts:
    def test_an_honest_bundle_is_accepted(self, capsys, certified):
        code, out = verified(capsys, bundle_of(certified))
        assert code == 0, out
        assert "verify: ACCEPTED" in out
        assert f"{len(certified.statuses)} requirements, every status and reason as claimed" in out
        assert "certification: PASS" in out

    def test_verify_sends_nothing(self, tmp_path, certified):
        """With every socket connection refused in its processes, verify still accepts."""
        (tmp_path / "sitecustomize.py").write_text(NO_NETWORK)
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        guard = [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"]
        refused = subprocess.run(guard, env=env, capture_output=True, text=True, check=False)
        assert "no network in this process" in refused.stderr  # the guard is in force
        command = [sys.executable, "-m", "layers_conformance.verify", str(bundle_of(certified))]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "verify: ACCEPTED" in done.stdout

    def test_a_faulty_server_s_failures_are_re_derived(self, capsys, tmp_path):
        """The bundle of a broken server verifies: the same requirements fail in the replay."""
        run = certify(tmp_path, "--reference-fault", "oldest_first")
        assert run.code == 1
        failed = [ident for ident, status in run.statuses.items() if status == "fail"]
        assert set(FAULTS["oldest_first"].breaks) <= set(failed)
        code, out = verified(capsys, bundle_of(run))
        assert code == 0, out
        assert f"failed, as claimed: {', '.join(failed)}" in out
        assert "certification: FAIL" in out

    def test_an_incomplete_run_is_re_derived_as_incomplete(self, capsys, tmp_path, targets):
        """Cut short by its budget, the replay meets the same refusal where the run did; a
        bundle written when such a run said `fail` is accepted with a note, one claiming
        `pass` is rejected."""
        run = certify(tmp_path, target=targets.start(request_budget=60))
        assert (run.report["verdict"], run.report["certification"]) == ("incomplete",) * 2
        assert run.report["stop_kind"] == "budget"  # the stop as data, beside its words
        code, out = verified(capsys, bundle_of(run))
        assert code == 0, out
        assert "certification: INCOMPLETE" in out
        assert "verdict: claimed fail" not in out
        older = edited(bundle_of(run), tmp_path / "older.zip", claiming("fail"), rehash=True)
        code, out = verified(capsys, older)
        assert code == 0, out
        assert "verdict: claimed fail, re-derived incomplete: the bundle was written" in out
        passed = edited(bundle_of(run), tmp_path / "passed.zip", claiming("pass"), rehash=True)
        code, out = verified(capsys, passed)
        assert code == 1
        assert "verdict: claimed pass, re-derived incomplete" in out

    def test_a_bundle_without_a_stop_kind_guesses_no_stop(self, capsys, tmp_path, targets):
        """A bundle written before stop kinds were recorded: its stop is not read from the
        words of `aborted`; what the replay cannot answer stays inconclusive, never a pass (a
        difference would be rejected with a note, `run.replay.stop_note`)."""
        run = certify(tmp_path, target=targets.start(request_budget=60))
        older = without_claim("stop_kind")
        copy = edited(bundle_of(run), tmp_path / "older.zip", older, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 0, out  # every request it asked before the stop was recorded
        assert "certification: INCOMPLETE" in out

    def test_keys_read_from_other_variables_and_sent_as_bearer_replay_alike(
        self, capsys, tmp_path, targets
    ):
        """The replay sends each key's recorded placeholder ($PARTNER_KEY), the same way."""
        auth = {"scheme": "bearer", "key": "${PARTNER_KEY}", "key_without_scope": "${PARTNER_NS}"}
        target = targets.start(auth=auth)
        env = suite_env(PARTNER_KEY=KEY, PARTNER_NS=KEY_NO_SCOPE)
        run = certify(tmp_path, target=target, env=env)
        assert run.report["certification"] == "pass", run.explain()
        har = (run.report_dir / "exchanges.har").read_text()
        assert '"value": "Bearer $PARTNER_KEY"' in har
        assert "$PARTNER_NS" in har
        code, out = verified(capsys, bundle_of(run))
        assert code == 0, out


class TestRejectsByReDerivation:
    """Edits whose manifest was rewritten to match: only the re-derived verdict shows them."""

    @pytest.mark.parametrize(
        ("name", "keep", "change", "expected"),
        [
            (
                "item-dropped",
                first_page_at_100,
                drop_last_item,
                "TRAV-CONSISTENT-001: claimed pass, re-derived fail",
            ),
            (
                "status-changed",
                without_credentials,
                lambda entry: entry["response"].update(status=200),
                "AUTH-MISSING-001: claimed pass, re-derived fail",
            ),
        ],
    )
    def test_an_edited_exchange_is_rejected(
        self, capsys, tmp_path, certified, name, keep, change, expected
    ):
        def edit(files):
            answers_to(files, keep)
            edit_entries(files, keep, change)

        copy = edited(bundle_of(certified), tmp_path / f"{name}.zip", edit, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "verify: REJECTED" in out
        assert expected in out
        assert "manifest" not in out

    def test_a_flipped_claim_is_rejected(self, capsys, tmp_path, certified):
        """A status claimed in conformance.json that the exchanges do not bear out."""

        def flip(files):
            report = json_of(files, "conformance.json")
            claim = next(r for r in report["requirements"] if r["id"] == "ORDER-NEWEST-001")
            claim["status"] = "fail"
            put_json(files, "conformance.json", report)

        copy = edited(bundle_of(certified), tmp_path / "flipped.zip", flip, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "ORDER-NEWEST-001: claimed fail, re-derived pass" in out

    def test_a_deleted_exchange_is_rejected_naming_the_request(self, capsys, tmp_path, certified):
        """A request the replay asks that the recording cannot answer is a difference."""

        def delete(files):
            document = json_of(files, "exchanges.har")
            entries = document["log"]["entries"]
            document["log"]["entries"] = [e for e in entries if not without_credentials(e)]
            put_json(files, "exchanges.har", document)

        copy = edited(bundle_of(certified), tmp_path / "deleted.zip", delete, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "AUTH-MISSING-001: claimed pass, re-derived inconclusive (no recorded answer" in out
        assert "(no credentials)" in out


class TestRejectsByManifestAndSpec:
    def test_an_edit_without_a_new_manifest_is_caught_by_its_hash(
        self, capsys, tmp_path, certified
    ):
        """An edit no check would notice (a request id) still breaks the file's sha256."""

        def edit(files):
            files["exchanges.har"] = files["exchanges.har"].replace(b'"req_', b'"req_X', 1)

        copy = edited(bundle_of(certified), tmp_path / "hash.zip", edit, rehash=False)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "exchanges.har: sha256" in out
        assert "differs from the manifest's" in out

    def test_a_missing_file_is_rejected_naming_it(self, capsys, tmp_path, certified):
        copy = edited(
            bundle_of(certified),
            tmp_path / "missing.zip",
            lambda files: files.pop("spec/schemas/page.json"),
            rehash=False,
        )
        code, out = verified(capsys, copy)
        assert code == 1
        assert "spec/schemas/page.json: listed in the manifest, missing from the bundle" in out

    def test_a_spec_other_than_the_installed_one_is_rejected(self, capsys, tmp_path, certified):
        """A bundle judged by another catalogue is not this suite's certification."""

        def edit(files):
            files["spec/requirements.yaml"] += b"\n# loosened\n"

        copy = edited(bundle_of(certified), tmp_path / "spec.zip", edit, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "spec/requirements.yaml: differs from the installed suite's pinned spec" in out

    def test_a_bundle_of_another_suite_version_is_rejected(self, capsys, tmp_path, certified):
        """Another version may judge by other checks: re-deriving with this one proves nothing."""

        def edit(files):
            put_json(
                files,
                "conformance.json",
                json_of(files, "conformance.json") | {"suite_version": "0.0.1"},
            )

        copy = edited(bundle_of(certified), tmp_path / "version.zip", edit, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 1
        assert "suite version: the bundle was made by 0.0.1, this is" in out

    def test_a_report_that_does_not_say_how_it_was_made_is_rejected(
        self, capsys, tmp_path, certified
    ):
        seedless = without_claim("seed")
        copy = edited(bundle_of(certified), tmp_path / "seedless.zip", seedless, rehash=True)
        code, out = verified(capsys, copy)
        assert code == 4
        assert "conformance.json: seed=None must be an integer" in out

    def test_no_bundle_at_all_is_a_usage_error(self, capsys, tmp_path):
        assert main([str(tmp_path / "nothing.zip")]) == 4
        assert "no such file" in capsys.readouterr().err

    def test_a_file_that_is_no_zip_is_rejected(self, capsys, tmp_path):
        path = tmp_path / "evidence.zip"
        path.write_text("not a zip")
        code, out = verified(capsys, path)
        assert code == 4
        assert "not an evidence bundle" in out


def report(verdict, *statuses, aborted="the run could not finish: budget", waivers=()):
    requirements = [{"id": f"R{n}", "status": s} for n, s in enumerate(statuses)]
    return {"verdict": verdict, "aborted": aborted, "requirements": requirements,
            "waivers": list(waivers)}  # fmt: skip


class TestOlderVerdictWord:
    """`fail` where the replay says `incomplete` is only the older word for the same run."""

    def test_a_run_cut_short_with_nothing_failed(self):
        older = report("fail", "pass", "inconclusive")
        assert older_verdict_word(older, report("incomplete", "pass", "inconclusive"))

    @pytest.mark.parametrize(
        "claimed",
        [
            report("fail", "pass", "fail"),  # a requirement failed: fail in either word
            report("fail", "pass", aborted=""),  # the run finished
            report("fail", "pass", waivers=[{"requirement": "R0", "use": "expired"}]),
            report("pass", "pass"),
            report("incomplete", "pass"),
        ],
    )
    def test_anything_else_is_a_real_difference(self, claimed):
        assert not older_verdict_word(claimed, report("incomplete", "pass"))

    def test_a_replay_that_fails_is_no_older_word(self):
        assert not older_verdict_word(report("fail", "pass"), report("fail", "fail"))
