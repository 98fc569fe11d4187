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
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from layers_conformance.core.redaction import escape_controls, excerpt
from layers_conformance.core.strict_json import parse
from layers_conformance.reporting.json_report import ReportError, write_atomically

MANIFEST = "manifest.json"
FORMAT = "layers-conformance-bundle/1"
# A fixed time for every member, so the same files always make the same archive.
MEMBER_TIME = (2000, 1, 1, 0, 0, 0)
# What a bundle may hold, checked against the zip's directory before anything is inflated. An
# honest bundle has a dozen members; its HAR, the largest, inflates about 15 times.
MAX_MEMBERS = 64
MAX_MEMBER_BYTES = 128 << 20
MAX_TOTAL_BYTES = 160 << 20
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 << 20  # smaller members may inflate more: they cannot grow far
CHUNK_BYTES = 1 << 20


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
    """Every file of the bundle by name, the manifest included, read within the limits; a
    broken zip, or one beyond them, is a one-line ReportError."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_members(members)
            return {info.filename: _read_member(archive, info) for info in members}
    except (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
            zlib.error) as error:  # fmt: skip
        raise ReportError(f"not an evidence bundle: {escape_controls(str(error))[:200]}") from None


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """What the zip's directory declares, checked before a byte is inflated."""
    if len(members) > MAX_MEMBERS:
        raise zipfile.BadZipFile(f"{len(members)} members, more than {MAX_MEMBERS}")
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise zipfile.BadZipFile("a member name appears twice")
    total = 0
    for info in members:
        name, size = excerpt(info.filename), info.file_size
        if size > MAX_MEMBER_BYTES:
            raise zipfile.BadZipFile(f"{name} declares {size} bytes, more than {MAX_MEMBER_BYTES}")
        if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
            raise zipfile.BadZipFile(f"{name} inflates more than {MAX_RATIO} times")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise zipfile.BadZipFile(f"its members declare {total} bytes, more than {MAX_TOTAL_BYTES}")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member read a bounded step at a time; zipfile itself stops at the declared size and
    checks the CRC there, so a member that lies about its size never grows past it."""
    chunks, size = [], 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK_BYTES):
            size += len(chunk)
            if size > info.file_size:
                raise zipfile.BadZipFile(f"{excerpt(info.filename)} is longer than it declares")
            chunks.append(chunk)
    return b"".join(chunks)


def read_manifest(files: Mapping[str, bytes]) -> dict[str, str]:
    """The manifest's sha256 of each file by name; a missing or malformed one is a ReportError."""
    if MANIFEST not in files:
        raise ReportError(f"{MANIFEST} is missing")
    document = bundle_json(files, MANIFEST)
    listed = document.get("files") if isinstance(document, dict) else None
    if not isinstance(listed, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in listed.items()
    ):
        raise ReportError(f"{MANIFEST}: 'files' must map each file's name to its sha256")
    return listed


def bundle_json(files: Mapping[str, bytes], name: str) -> Any:
    """A JSON member of the bundle, read strictly (nesting bounded); else a ReportError."""
    try:
        value, problem = parse(files[name].decode("utf-8"))
    except UnicodeDecodeError:
        value, problem = None, "not UTF-8"
    if problem is not None:
        raise ReportError(f"{name} is unreadable: {problem}")
    return value


def manifest_problems(files: Mapping[str, bytes]) -> list[str]:
    """Every way the files and their manifest disagree: missing, extra or changed files."""
    listed = read_manifest(files)
    present = {name for name in files if name != MANIFEST}
    problems = [f"{name}: listed in the manifest, missing from the bundle" for name in
                sorted(set(listed) - present)]  # fmt: skip
    problems += [f"{name}: in the bundle, not in the manifest" for name in
                 sorted(present - set(listed))]  # fmt: skip
    problems += [
        f"{name}: sha256 {sha256(files[name])[:12]}… differs from the manifest's "
        f"{listed[name][:12]}… (the file was changed)"
        for name in sorted(present & set(listed))
        if sha256(files[name]) != listed[name]
    ]
    return problems
