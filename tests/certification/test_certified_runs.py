"""`--certify`: refused unless every MUST can run, incomplete unless every MUST passed, and sealed
in an evidence bundle that holds every exchange, the spec and a manifest of sha256s."""

from __future__ import annotations

import hashlib
import json

import pytest
from evidence import bundle_of, certify, har_of, json_of, read
from harness import KEY, KEY_NO_SCOPE, run_suite, write_targets

from layers_conformance.core.catalogue import load_catalogue, spec_dir
from layers_conformance.reference import build_dataset

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: a refused run must not even try


def targets_without(tmp_path, *absent):
    """A targets file whose entry lacks the `absent` optional fixtures."""
    fixtures = {
        "project_id": "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11",
        "empty_project_id": "0b3f6a2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c",
        "foreign_project_id": "9d2e7c4a-5b6f-4a1e-8c3d-2f1a0b9c8d7e",
        "archived_influencer_ids": [],
    }
    auth = {"scheme": "x-api-key", "key": "${LAYERS_API_KEY}"}
    auth["key_without_scope"] = "${LAYERS_API_KEY_NO_SCOPE}"
    entry = {"base_url": UNREACHABLE, "auth": auth, "fixtures": fixtures}
    for name in absent:
        fixtures.pop(name, None)
        auth.pop(name, None)
    return write_targets(tmp_path / "targets.yaml", "partner", entry)


class TestRefusal:
    """A certification that could not exercise every MUST stops before its first request."""

    def test_a_missing_fixture_refuses_to_start_naming_it(self, tmp_path):
        """Exit 4, one line: the fixture, and the MUST requirements that need it."""
        path = targets_without(tmp_path, "foreign_project_id")
        run = certify(tmp_path, f"--targets-file={path}", "--target", "partner", name="partner")
        assert run.code == 4, run.explain()
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1
        needing = [r.id for r in load_catalogue().values()
                   if "foreign_project_id" in r.fixtures and r.level == "MUST"]  # fmt: skip
        assert needing
        assert "provides no foreign_project_id" in lines[0]
        assert all(ident in lines[0] for ident in needing)
        assert "cannot reach" not in run.output  # refused before trying the target
        assert not run.report_dir.exists()

    def test_a_missing_key_without_scope_refuses_too(self, tmp_path):
        path = targets_without(tmp_path, "key_without_scope")
        run = certify(tmp_path, f"--targets-file={path}", "--target", "partner", name="partner")
        assert run.code == 4
        assert "provides no key_without_scope (needed by AUTH-SCOPE-001" in run.stderr

    @pytest.mark.parametrize(
        ("args", "named"),
        [
            (("-k", "limit"), "-k runs only some tests"),
            (("-m", "smoke"), "-m runs only some tests"),
            (("-x",), "--maxfail/-x runs only some tests"),
            (("--deselect=suites/test_auth.py",), "--deselect runs only some tests"),
            (("--profile", "smoke"), "the smoke profile leaves requirements out"),
            (("-n", "2"), "-n 2 would split it between clients"),
        ],
    )
    def test_a_narrowed_run_refuses_to_start(self, tmp_path, args, named):
        """Deselection, the smoke profile, stopping early, or several clients: exit 4, one line."""
        run = certify(tmp_path, *args)
        assert run.code == 4, run.explain()
        assert named in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1

    def test_a_run_of_some_suite_files_refuses_naming_the_untested(self, tmp_path):
        """A path that is not the whole suites folder leaves MUSTs without a test."""
        suites = str(spec_dir().parent / "suites")
        run = run_suite(tmp_path, f"{suites}/test_auth.py", "--certify")
        assert run.code == 4, run.explain()
        assert "test_auth.py runs only some tests" in run.stderr


class TestCertifiedRun:
    """The clean reference, certified: pass, and a bundle holding what verify needs."""

    def test_the_certification_passes_and_says_so(self, certified):
        assert certified.report["certification"] == "pass"
        assert "certification: PASS" in certified.stdout

    def test_the_bundle_holds_the_report_exchanges_run_and_spec(self, certified):
        files = read(bundle_of(certified))
        spec = {p.relative_to(spec_dir()).as_posix() for p in spec_dir().rglob("*") if p.is_file()}
        expected = {"conformance.json", "exchanges.har", "run.json", "manifest.json"}
        assert set(files) == expected | {f"spec/{name}" for name in spec}
        assert files["conformance.json"] == (certified.report_dir / "conformance.json").read_bytes()

    def test_the_manifest_lists_the_sha256_of_every_other_file(self, certified):
        files = read(bundle_of(certified))
        listed = json_of(files, "manifest.json")["files"]
        assert listed == {
            name: hashlib.sha256(data).hexdigest()
            for name, data in files.items()
            if name != "manifest.json"
        }

    def test_the_suite_version_seed_and_spec_digest_are_recorded(self, certified):
        report = json_of(read(bundle_of(certified)), "conformance.json")
        assert report["seed"] == 1
        assert report["suite_version"]
        assert len(report["spec_sha256"]) == 64

    def test_every_request_is_an_exchange_in_the_har(self, certified):
        """One HAR entry per request the run sent, with the key as its placeholder."""
        entries = har_of(read(bundle_of(certified)))
        assert len(entries) == certified.report["requests"]
        key = build_dataset().fixtures.key
        text = json.dumps(entries) + read(bundle_of(certified))["run.json"].decode()
        assert key not in text
        assert '"value": "$LAYERS_API_KEY"' in json.dumps(entries)


class TestIncomplete:
    def test_a_budget_too_small_ends_incomplete_not_pass(self, tmp_path, targets):
        """The run stops sending at its budget: the MUSTs it could not show leave it incomplete."""
        target = targets.start(request_budget=60)
        run = certify(tmp_path, target=target)
        assert run.code == 1, run.explain()
        assert run.report["certification"] == "incomplete"
        assert "inconclusive" in run.statuses.values()
        assert "certification: INCOMPLETE" in run.stdout
        assert len(target.seen) == 60
        assert bundle_of(run).is_file()


class TestExchangesHar:
    """Every run keeps its exchanges, also when pytest-xdist splits it between workers."""

    def test_each_worker_s_exchanges_reach_the_har(self, tmp_path):
        run = run_suite(tmp_path, "-n", "2")
        assert run.code == 0, run.explain()
        entries = json.loads((run.report_dir / "exchanges.har").read_text())["log"]["entries"]
        assert len(entries) == run.report["requests"]
        assert {entry["_worker"] for entry in entries} == {"gw0", "gw1"}

    def test_no_key_reaches_the_har(self, tmp_path, targets):
        run = run_suite(tmp_path, target=targets.start())
        text = (run.report_dir / "exchanges.har").read_text()
        assert KEY not in text
        assert KEY_NO_SCOPE not in text
        assert "$LAYERS_API_KEY_NO_SCOPE" in text
