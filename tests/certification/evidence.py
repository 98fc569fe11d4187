"""Helpers for the certification self-tests: certification runs, and bundles edited in copies.

Runs and servers come from the robustness self-tests' harness, shared through the path.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))

from harness import Run, Targets, run_suite

from layers_conformance.reporting.bundle import MANIFEST, manifest

__all__ = ["Run", "Targets", "bundle_of", "certify", "edited", "har_of", "json_of"]
__all__ += ["put_json", "read"]

Files = dict[str, bytes]


def certify(where: Path, *args: str, **kwargs: Any) -> Run:
    """A certification run of the suites, against the embedded reference unless told."""
    return run_suite(where, "--certify", *args, **kwargs)


def bundle_of(run: Run) -> Path:
    return run.report_dir / "evidence.zip"


def read(bundle: Path) -> Files:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def edited(bundle: Path, copy: Path, edit: Callable[[Files], None], *, rehash: bool) -> Path:
    """A copy of `bundle` with `edit` applied to its files; `rehash` rewrites the manifest to
    match, as a careful forger would, so that only re-deriving the verdict can notice."""
    files = read(bundle)
    edit(files)
    if rehash:
        files[MANIFEST] = manifest({n: d for n, d in files.items() if n != MANIFEST})
    with zipfile.ZipFile(copy, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return copy


def json_of(files: Files, name: str) -> Any:
    return json.loads(files[name])


def har_of(files: Files) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json_of(files, "exchanges.har")["log"]["entries"]
    return entries


def put_json(files: Files, name: str, data: Any) -> None:
    files[name] = json.dumps(data).encode()
