"""The evidence bundle: one zip of named files, with a manifest of every file's sha256.

The manifest makes any change to a file visible (`manifest_problems`), but it is no
signature: whoever edits a file can rewrite the manifest too. What makes a bundle's verdict
trustworthy is that `layers-conformance verify` derives it again from the exchanges inside.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

from layers_conformance.reporting.json_report import ReportError, write_atomically

MANIFEST = "manifest.json"
FORMAT = "layers-conformance-bundle/1"
# A fixed time for every member, so the same files always make the same archive.
MEMBER_TIME = (2000, 1, 1, 0, 0, 0)


def sha256(data: bytes) -> str:
    """The hex digest the manifest records."""
    return hashlib.sha256(data).hexdigest()


def manifest(files: Mapping[str, bytes]) -> bytes:
    """The manifest of these files: the format and each file's sha256, by name."""
    digests = {name: sha256(files[name]) for name in sorted(files)}
    return (json.dumps({"format": FORMAT, "files": digests}, indent=2) + "\n").encode()


def write_bundle(path: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` and their manifest as one zip, all or nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**files, MANIFEST: manifest(files)}.items():
            archive.writestr(zipfile.ZipInfo(name, MEMBER_TIME), data, zipfile.ZIP_DEFLATED)
    write_atomically(path, buffer.getvalue())


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every file of the bundle by name, the manifest included; a broken zip is a ReportError."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile) as error:
        raise ReportError(f"{path}: not an evidence bundle: {error}") from None


def manifest_problems(files: Mapping[str, bytes]) -> list[str]:
    """Every way the files and their manifest disagree: missing, extra or changed files."""
    if MANIFEST not in files:
        return [f"{MANIFEST} is missing"]
    try:
        listed = json.loads(files[MANIFEST])["files"]
    except (ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST} is unreadable: {error!r}"]
    present = {name for name in files if name != MANIFEST}
    problems = [f"{name}: listed in the manifest, missing from the bundle" for name in
                sorted(set(listed) - present)]  # fmt: skip
    problems += [f"{name}: in the bundle, not in the manifest" for name in
                 sorted(present - set(listed))]  # fmt: skip
    problems += [
        f"{name}: sha256 {sha256(files[name])[:12]}… differs from the manifest's "
        f"{str(listed[name])[:12]}… (the file was changed)"
        for name in sorted(present & set(listed))
        if sha256(files[name]) != listed[name]
    ]
    return problems
