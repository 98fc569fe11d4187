"""The requirement catalogue (`spec/requirements.yaml`) and the schemas, loaded as data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

# The package's folder: installed, the wheel carries spec/ and suites/ in it (pyproject.toml).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
LEVELS = ("MUST", "SHOULD")
FIXTURES = (
    "project_id",
    "empty_project_id",
    "foreign_project_id",
    "key_without_scope",
    "archived_influencer_ids",
)


class CatalogueError(Exception):
    """The catalogue file breaks its own format."""


@dataclass(frozen=True)
class Requirement:
    """One normative statement of the documentation page."""

    id: str
    area: str
    level: Literal["MUST", "SHOULD"]
    statement: str
    section: str
    quote: str
    fixtures: tuple[str, ...]
    ambiguity: str = ""


@dataclass(frozen=True)
class Unquoted:
    """A passage of the page that is deliberately no requirement, and why."""

    text: str
    why: str


@dataclass(frozen=True)
class PinnedPage:
    """The documentation page the catalogue was written against, as kept in `spec/`."""

    path: Path
    sha256: str  # as pinned in the catalogue, to be compared with the file's own digest
    unquoted: tuple[Unquoted, ...]


def bundled(name: str) -> Path:
    """A folder or file the wheel carries beside the code (`spec`, `suites`, `pyproject.toml`):
    the repository's own when running from a checkout (src layout), else the packaged copy."""
    checkout = PACKAGE_DIR.parents[1] / name
    if PACKAGE_DIR.parent.name == "src" and checkout.exists():
        return checkout
    return PACKAGE_DIR / name


def spec_dir() -> Path:
    """The `spec/` folder: the repository's own when run from a checkout, else the packaged copy."""
    return bundled("spec")


# libyaml's safe loader where PyYAML was built with it: the same document, 10x faster
# than the pure-Python one on the catalogue (70 ms of every run's collection).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _document(source: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(source.read_text(encoding="utf-8"), SAFE_LOADER)
    return document


@cache
def load_catalogue(path: Path | None = None) -> dict[str, Requirement]:
    """Requirements by id, in catalogue order."""
    source = path or spec_dir() / "requirements.yaml"
    entries = _document(source)["requirements"]
    catalogue: dict[str, Requirement] = {}
    for entry in entries:
        requirement = _requirement(source, entry)
        if requirement.id in catalogue:
            raise CatalogueError(f"{source}: requirement {requirement.id} is listed twice")
        catalogue[requirement.id] = requirement
    return catalogue


def _requirement(source: Path, entry: dict[str, Any]) -> Requirement:
    ident = entry.get("id", "?")
    if entry.get("level") not in LEVELS:
        raise CatalogueError(f"{source}: {ident}: level must be one of {LEVELS}")
    unknown = set(entry.get("fixtures", ())) - set(FIXTURES)
    if unknown:
        raise CatalogueError(f"{source}: {ident}: unknown fixtures {sorted(unknown)}")
    return Requirement(
        id=ident,
        area=entry["area"],
        level=entry["level"],
        statement=entry["statement"].strip(),
        section=entry["section"],
        quote=entry["quote"],
        fixtures=tuple(entry.get("fixtures", ())),
        ambiguity=(entry.get("ambiguity") or "").strip(),
    )


def load_pinned_page(path: Path | None = None) -> PinnedPage:
    """The page named by the catalogue (beside it), its pinned digest and its unquoted passages."""
    source = path or spec_dir() / "requirements.yaml"
    document = _document(source)
    unquoted = tuple(
        Unquoted(entry["text"].strip(), entry["why"].strip())
        for entry in document.get("unquoted", ())
    )
    return PinnedPage(source.parent / document["page"], document["page_sha256"], unquoted)


@cache
def spec_sha256() -> str:
    """A digest of every file under `spec/` (the page, the catalogue, the schemas and the
    examples), so a report says which spec it was judged by."""
    root = spec_dir()
    files = (p for p in root.rglob("*") if p.is_file())
    return files_sha256({p.relative_to(root).as_posix(): p.read_bytes() for p in files})


def files_sha256(files: Mapping[str, bytes]) -> str:
    """One digest of named files (names relative to their folder, with `/`), in path order."""
    digest = hashlib.sha256()
    for name in sorted(files, key=PurePosixPath):
        digest.update(name.encode())
        digest.update(files[name])
    return digest.hexdigest()


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One schema of `spec/schemas/` by file name, e.g. `page.json`."""
    schema: dict[str, Any] = json.loads((spec_dir() / "schemas" / name).read_text("utf-8"))
    return schema
