"""`verify` on a bundle somebody else made: it touches nothing outside its own temporary
folder, reads members within limits, and answers a malformed bundle with one line (exit 4)
and everything it shows from the bundle as text, never as terminal controls."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
from harness import KEY, KEY_NO_SCOPE, run_suite, suite_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "certification"))

from evidence import bundle_of, edited, json_of, put_json
from harness import _run_measured

from layers_conformance.reporting.bundle import MANIFEST

PLANTED = {
    "victim/conformance.json": "the victim's own report",
    "victim/index.html": "<p>the victim's page</p>",
    "victim/allure-results/precious.txt": "not Allure's",
    "victim/allure-results/0b5f2b43-1c1e-4a44-9d25-6b3c1a8f1e11-result.json": "{}",
    "reports/keep.txt": "a file beside the reports",
}
PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
ESCAPE = "\x1b[2K\r\x1b[32mverify: ACCEPTED"


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    """A certification run of the clean reference, over an Allure folder holding a file
    of somebody else's: the run removes only what Allure wrote before."""
    where = tmp_path_factory.mktemp("certified")
    foreign = where / "reports" / "reference" / "allure-results" / "precious.txt"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("not Allure's")
    run = run_suite(where, "--certify")
    assert run.code == 0, run.output
    return run


def plant(root: Path) -> dict[str, str]:
    for name, text in PLANTED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return tree(root)


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (but the temporary folder) and its content."""
    return {
        str(path.relative_to(root)): path.read_text(errors="replace")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "tmp" not in path.relative_to(root).parts
    }


def verify_apart(tmp_path: Path, bundle: Path) -> tuple[int, str, float]:
    """verify in its own process, its temporary folder in tmp_path/tmp: exit, output, peak MB."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = suite_env(TMPDIR=str(tmp_path / "tmp"))
    command = [sys.executable, "-m", "layers_conformance.verify", str(bundle)]
    code, out, err, peak_kb = _run_measured(command, tmp_path / "reports", env, 600)
    return code, out + err, peak_kb / 1024


def with_report(change):
    def edit(files):
        report = json_of(files, "conformance.json")
        change(report)
        put_json(files, "conformance.json", report)

    return edit


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


class TestAllureResults:
    def test_each_test_carries_the_exchanges_it_judged_as_one_attachment(self, certified):
        """On the test itself, not on a fixture's set-up or tear-down: one file per test."""
        folder = certified.report_dir / "allure-results"
        results = [json.loads(p.read_text()) for p in folder.glob("*-result.json")]
        judged = [r for r in results if any(x["name"] == "requirement" for x in r["labels"])]
        assert judged, "no requirement's result"
        attached = [r["attachments"] for r in judged if r.get("attachments")]
        assert len(attached) > len(judged) / 2, "most tests judge an exchange"
        assert all(len(attachments) == 1 for attachments in attached), attached
        for (attachment,) in attached:
            text = (folder / attachment["source"]).read_text()
            assert text.startswith("=== GET /v1/projects/"), text[:200]
            count = text.count("\n=== ") + 1
            more = re.search(r"^=== ([\d,]+) more, by title", text, re.MULTILINE)
            if more:  # past SHOWN_WHOLE, titles alone under one line that counts them
                count += int(more.group(1).replace(",", "")) - 1
            named = f"{count} exchanges, from " if count > 1 else "GET "
            assert attachment["name"].startswith(named), attachment["name"]
        for container in folder.glob("*-container.json"):
            fixtures = json.loads(container.read_text())
            steps = fixtures.get("befores", []) + fixtures.get("afters", [])
            assert not any(step.get("attachments") for step in steps), container.name


class TestNothingOutside:
    def test_the_run_kept_a_file_allure_did_not_write(self, certified):
        kept = certified.report_dir / "allure-results" / "precious.txt"
        assert kept.read_text() == "not Allure's"

    @pytest.mark.parametrize("target", ["ABSOLUTE", "../../../victim", "..", "victim/../.."])
    def test_a_target_pointing_outside_is_one_line_and_touches_nothing(
        self, tmp_path, certified, target
    ):
        before = plant(tmp_path)
        claimed = str(tmp_path / "victim") if target == "ABSOLUTE" else target
        bundle = edited(
            bundle_of(certified),
            tmp_path / "victim.zip",
            with_report(lambda report: report.update(target=claimed)),
            rehash=True,
        )
        code, output, _ = verify_apart(tmp_path, bundle)
        assert code == 4, output
        assert "target" in one_line(output)
        assert tree(tmp_path) == before | {"victim.zip": tree(tmp_path)["victim.zip"]}


class TestTargetNames:
    @pytest.mark.parametrize("name", ["../outside", "/tmp/absolute", "sub/dir", ".."])
    def test_an_unsafe_target_on_the_command_line_is_one_line(self, tmp_path, name):
        target = ("--base-url=http://127.0.0.1:9", f"--project-id={PROJECT}", "--target", name)
        run = run_suite(tmp_path, *target)
        assert run.code == 4, run.output
        assert "target name" in run.output
        assert not (tmp_path / "outside").exists()

    def test_an_unsafe_name_in_the_targets_file_is_one_line(self, tmp_path):
        (tmp_path / "targets.yaml").write_text(
            "targets:\n  ../outside:\n    base_url: http://127.0.0.1:9\n"
            "    auth: {scheme: x-api-key, key: '${LAYERS_API_KEY}'}\n"
            f"    fixtures: {{project_id: {PROJECT}}}\n"
        )
        run = run_suite(tmp_path, "--targets-file=targets.yaml", "--target", "../outside")
        assert run.code == 4, run.output
        assert "target name '../outside'" in run.output
        assert KEY not in run.output


def bomb(path: Path, megabytes: int) -> Path:
    """A bundle whose exchanges.har is `megabytes` of zeros, its manifest honest about it."""
    digest = hashlib.sha256()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("exchanges.har", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
                digest.update(chunk)
        listed = {"exchanges.har": digest.hexdigest()}
        archive.writestr(MANIFEST, json.dumps({"format": "x", "files": listed}))
    return path


class TestLimits:
    def test_a_400_mb_member_is_refused_in_little_memory(self, tmp_path):
        bundle = bomb(tmp_path / "bomb.zip", 400)
        assert bundle.stat().st_size < 1 << 20
        (tmp_path / "reports").mkdir()
        code, output, peak_mb = verify_apart(tmp_path, bundle)
        assert code == 4, output
        assert "exchanges.har" in one_line(output)
        assert peak_mb < 200, f"verify peaked at {peak_mb:.0f} MB"


def manifest_files(value):
    def edit(files):
        files[MANIFEST] = json.dumps({"format": "x", "files": value}).encode()

    return edit


def deep_manifest(files):
    files[MANIFEST] = b"[" * 100_000 + b"]" * 100_000


def run_json_list(files):
    files["run.json"] = b"[1, 2]"


def member_named(name):
    def edit(files):
        files[name] = b"{}"

    return edit


def report_value(key, value):
    return with_report(lambda report: report.update({key: value}))


MALFORMED = [
    ("files-a-number", manifest_files(3), False),
    ("files-a-list", manifest_files(["conformance.json"]), False),
    ("manifest-deep", deep_manifest, False),
    ("run-json-a-list", run_json_list, True),
    ("target-with-nul", report_value("target", "ref\x00erence"), True),
    ("target-with-escape", report_value("target", ESCAPE), True),
    ("seed-a-string", report_value("seed", "1 --fault"), True),
    ("report-deep", lambda files: files.update({"conformance.json": b"[" * 100_000}), True),
]


class TestMalformed:
    @pytest.mark.parametrize(
        ("edit", "rehash"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
    )
    def test_one_line_exit_4_and_nothing_raw(self, tmp_path, capsys, certified, edit, rehash):
        from layers_conformance.verify import main

        bundle = edited(bundle_of(certified), tmp_path / "bad.zip", edit, rehash=rehash)
        code = main([str(bundle)])
        captured = capsys.readouterr()
        assert code == 4, captured.out + captured.err
        assert "REJECTED" in one_line(captured.out + captured.err)
        assert "\x1b" not in captured.out + captured.err

    @pytest.mark.parametrize(
        "edit",
        [report_value("suite_version", ESCAPE), member_named(f"spec/{ESCAPE}")],
        ids=["suite-version", "member-name"],
    )
    def test_escapes_in_a_rejected_bundle_are_shown_as_text(
        self, tmp_path, capsys, certified, edit
    ):
        from layers_conformance.verify import main

        bundle = edited(bundle_of(certified), tmp_path / "bad.zip", edit, rehash=True)
        assert main([str(bundle)]) == 1
        out = capsys.readouterr().out
        assert "\x1b" not in out
        assert "\\u001b[2K" in out


def run_json_value(key, value):
    def edit(files):
        described = json_of(files, "run.json")
        described[key] = value
        put_json(files, "run.json", described)

    return edit


def first_reason(files):
    report = json_of(files, "conformance.json")
    report["requirements"][0]["reason"] = "checked by hand"
    put_json(files, "conformance.json", report)


def both(*edits):
    def edit(files):
        for one in edits:
            one(files)

    return edit


ELSEWHERE = "https://partner.example"
CLAIMS = [
    ("base-url", report_value("base_url", ELSEWHERE), "base_url: claimed"),
    (
        "base-url-in-both",
        both(report_value("base_url", ELSEWHERE), run_json_value("base_url", ELSEWHERE)),
        "recorded requests went elsewhere",
    ),
    ("requests", report_value("requests", 123456), "requests: claimed 123456"),
    ("duration", report_value("duration_s", 0.001), "duration_s: claimed 0.001"),
    ("started-at", report_value("started_at", "2031-01-01T00:00:00+00:00"), "started_at"),
    ("reason", first_reason, "reason claimed 'checked by hand'"),
    # Another seed or profile asks other requests than the recorded ones: the replay says so.
    ("seed", report_value("seed", 2), "re-derived inconclusive (no recorded answer"),
    ("profile", report_value("profile", "thorough"), "re-derived inconclusive (no recorded"),
]


class TestClaims:
    @pytest.mark.parametrize(
        ("edit", "named"), [case[1:] for case in CLAIMS], ids=[case[0] for case in CLAIMS]
    )
    def test_a_claim_the_recording_contradicts_is_named(
        self, tmp_path, capsys, certified, edit, named
    ):
        from layers_conformance.verify import main

        bundle = edited(bundle_of(certified), tmp_path / "claims.zip", edit, rehash=True)
        code = main([str(bundle)])
        out = capsys.readouterr().out
        assert code == 1, out
        assert "REJECTED" in out
        assert named in out

    def test_an_honest_bundle_says_what_was_re_derived_and_what_was_read(self, capsys, certified):
        from layers_conformance.verify import main

        assert main([str(bundle_of(certified))]) == 0
        out = capsys.readouterr().out
        assert "from the recording: base_url, requests, started_at, duration_s" in out
        assert "every status and reason as claimed" in out
        assert "read, not re-derived:" in out


class TestAgainst:
    def test_answers_match_the_server_recorded_and_not_a_faulty_one(
        self, tmp_path, capsys, monkeypatch, targets
    ):
        """A bundle recorded from one reference is answered alike by another of the same
        data, and not by one that lists the oldest first."""
        from layers_conformance.reference.faults import FAULTS
        from layers_conformance.verify import main

        run = run_suite(tmp_path, "--certify", target=targets.start())
        assert run.code == 0, run.explain()
        monkeypatch.setenv("LAYERS_API_KEY", KEY)
        monkeypatch.setenv("LAYERS_API_KEY_NO_SCOPE", KEY_NO_SCOPE)
        same = targets.start().served.base_url
        assert main([str(bundle_of(run)), "--against", same]) == 0, capsys.readouterr().out
        assert f"against {same}: " in capsys.readouterr().out
        faulty = targets.start(FAULTS["oldest_first"]).served.base_url
        assert main([str(bundle_of(run)), "--against", faulty]) == 1
        out = capsys.readouterr().out
        assert f"against {faulty}: " in out
        assert "items in both answers" in out
        assert KEY not in out
