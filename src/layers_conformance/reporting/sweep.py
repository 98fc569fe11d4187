"""Files other writers left in a run's report folder, made as safe as the suite's own.

pytest writes junit.xml and Allure writes its results from test reports the suite does not
control; once they are done, each file is read back and rewritten through the run's
redactor, its control characters made visible (inside JSON values, where a reader sees them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from layers_conformance.core.redaction import REDACTOR, clean
from layers_conformance.reporting.json_report import clean_strings, write_atomically

__all__ = ["clear_allure_results", "sweep"]

# What Allure writes into its folder: <uuid>-result.json, -container.json, -globals.json and
# -attachment.<ext> (allure_commons.model2's patterns).
ALLURE_OUTPUT = re.compile(
    r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
    r"-(?:result\.json|container\.json|globals\.json|attachment\.[A-Za-z0-9]{1,16})"
)


def clear_allure_results(directory: Path) -> None:
    """Remove the files Allure wrote in `directory` for an earlier run, so that its report
    shows this run alone (Allure's own clean-up deletes the folder whole, whatever is in it).
    Nothing else is touched: another file, a folder, a link or what it points to."""
    if directory.is_symlink() or not directory.is_dir():
        return
    for path in directory.iterdir():
        if ALLURE_OUTPUT.fullmatch(path.name) and not path.is_symlink() and path.is_file():
            path.unlink()


def sweep(paths: Iterable[Path]) -> None:
    """Rewrite each file under `paths` (files, or folders searched whole) if it needs it."""
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            _sweep_one(file)


def _sweep_one(path: Path) -> None:
    if path.suffix != ".json" and not REDACTOR.crosses_lines:
        _sweep_lines(path)
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # gone, or not text: nothing a reader would see as text
    swept = _json(text) if path.suffix == ".json" else clean(text)
    if swept != text:
        write_atomically(path, swept)


def _sweep_lines(path: Path) -> None:
    """A text file cleaned a line at a time, which no secret's form crosses: a test's
    attachment lists the thousands of pages its walks read, and made whole, cleaned and
    compared it was the peak of a long run's memory (issue 23)."""
    try:
        if all(clean(line) == line for line in _lines(path)):
            return
    except (OSError, UnicodeDecodeError):
        return  # gone, or not text: nothing a reader would see as text
    swept = (clean(line).encode("utf-8", "backslashreplace") for line in _lines(path))
    write_atomically(path, swept)


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as file:
        for line in file:  # split at b"\n", which no other UTF-8 character's bytes hold
            yield line.decode("utf-8")


def _json(text: str) -> str:
    try:
        return json.dumps(clean_strings(json.loads(text)), ensure_ascii=False)
    except ValueError:
        return clean(text)
