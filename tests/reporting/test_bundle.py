"""The evidence bundle's archive: every file and a manifest of sha256s, and what a change shows."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from layers_conformance.reporting.bundle import (
    MANIFEST,
    MEMBER_TIME,
    manifest,
    manifest_problems,
    read_bundle,
    write_bundle,
)
from layers_conformance.reporting.json_report import ReportError

FILES = {"conformance.json": b'{"verdict": "pass"}', "spec/schemas/page.json": b"{}"}


def files_with_manifest(files=FILES):
    return {**files, MANIFEST: manifest(files)}


class TestWriteBundle:
    def test_reading_gives_back_every_file_and_the_manifest(self, tmp_path):
        write_bundle(tmp_path / "evidence.zip", FILES)
        assert read_bundle(tmp_path / "evidence.zip") == files_with_manifest()

    def test_the_manifest_lists_each_file_s_sha256(self):
        listed = json.loads(manifest(FILES))
        assert listed["files"] == {n: hashlib.sha256(d).hexdigest() for n, d in FILES.items()}
        assert listed["format"] == "layers-conformance-bundle/1"

    def test_the_same_files_make_the_same_archive(self, tmp_path):
        """No timestamps inside: two bundles of the same evidence are byte for byte equal."""
        write_bundle(tmp_path / "a.zip", FILES)
        write_bundle(tmp_path / "b.zip", FILES)
        assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
        members = zipfile.ZipFile(tmp_path / "a.zip").infolist()
        assert {member.date_time for member in members} == {MEMBER_TIME}

    def test_a_file_that_is_no_zip_is_one_line(self, tmp_path):
        (tmp_path / "evidence.zip").write_text("plain text")
        with pytest.raises(ReportError, match="not an evidence bundle"):
            read_bundle(tmp_path / "evidence.zip")


class TestManifestProblems:
    def test_a_bundle_that_matches_has_none(self):
        assert manifest_problems(files_with_manifest()) == []

    def test_a_changed_file_is_named(self):
        files = files_with_manifest() | {"conformance.json": b'{"verdict": "fail"}'}
        [problem] = manifest_problems(files)
        assert problem.startswith("conformance.json: sha256 ")
        assert problem.endswith("(the file was changed)")

    def test_missing_and_extra_files_are_named(self):
        files = files_with_manifest()
        del files["spec/schemas/page.json"]
        files["extra.txt"] = b"x"
        assert manifest_problems(files) == [
            "spec/schemas/page.json: listed in the manifest, missing from the bundle",
            "extra.txt: in the bundle, not in the manifest",
        ]

    @pytest.mark.parametrize(
        ("manifest_bytes", "problem"),
        [
            (None, "manifest.json is missing"),
            (b"[1]", "'files' must map"),
            (b'{"files": 3}', "'files' must map"),
            (b"[" * 100_000, "manifest.json is unreadable: nested deeper"),
        ],
    )
    def test_a_missing_or_malformed_manifest_is_one_line(self, manifest_bytes, problem):
        files = dict(FILES)
        if manifest_bytes is not None:
            files[MANIFEST] = manifest_bytes
        with pytest.raises(ReportError, match=problem):
            manifest_problems(files)
