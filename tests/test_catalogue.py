"""The requirement catalogue: well-formed, traced to the page, and every entry tested."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from layers_conformance.checks.shapes import validator
from layers_conformance.core import catalogue
from layers_conformance.core.catalogue import (
    FIXTURES,
    CatalogueError,
    load_catalogue,
    load_pinned_page,
    load_schema,
    spec_dir,
    spec_sha256,
)
from layers_conformance.core.specdiff import fragments, normalised

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "spec" / "list-influencers.md"
ID = re.compile(r"[A-Z]+(-[A-Z]+)*-\d{3}")
CATALOGUE = load_catalogue()
SHOULDS = [r for r in CATALOGUE.values() if r.level == "SHOULD"]


def requirement_marks(path):
    """(line, id) of every `pytest.mark.requirement(...)` call in one suite file."""
    marks = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.mark.requirement":
            for arg in node.args:
                value = arg.value if isinstance(arg, ast.Constant) else ast.unparse(arg)
                marks.append((node.lineno, value))
    return marks


SUITE_MARKS = {
    f"{path.name}:{line}": value
    for path in sorted((REPO / "suites").glob("*.py"))
    for line, value in requirement_marks(path)
}


@pytest.fixture(scope="module")
def doc_text():
    return normalised(DOC.read_text("utf-8"))


class TestLoadCatalogue:
    def test_the_fast_loader_reads_the_catalogue_as_the_pure_python_one(self):
        """libyaml's safe loader, when PyYAML has it, gives the document PyYAML's own does."""
        text = (spec_dir() / "requirements.yaml").read_text(encoding="utf-8")
        assert yaml.load(text, catalogue.SAFE_LOADER) == yaml.safe_load(text)

    def test_loads_a_non_empty_catalogue(self):
        """The catalogue loads, in file order, from the checkout's spec folder."""
        assert len(CATALOGUE) >= 30
        assert spec_dir() == REPO / "spec"

    @pytest.mark.parametrize("ident", CATALOGUE)
    def test_ids_are_well_formed(self, ident):
        """Ids are upper-case words joined by dashes, then a three-digit number."""
        assert ID.fullmatch(ident), f"{ident} does not match {ID.pattern}"
        assert CATALOGUE[ident].id == ident

    @pytest.mark.parametrize("ident", CATALOGUE)
    def test_every_entry_is_complete(self, ident):
        """Each entry has a level, statement, section and quote, and only known fixtures."""
        entry = CATALOGUE[ident]
        assert entry.level in ("MUST", "SHOULD")
        assert entry.statement.strip(), f"{ident}: empty statement"
        assert entry.section.strip(), f"{ident}: empty section"
        assert entry.quote.strip(), f"{ident}: empty quote"
        assert entry.area.strip(), f"{ident}: empty area"
        assert set(entry.fixtures) <= set(FIXTURES)

    @pytest.mark.parametrize("ident", [r.id for r in SHOULDS])
    def test_every_should_says_why(self, ident):
        """A SHOULD is an inference or an ambiguity, and its note says which."""
        assert CATALOGUE[ident].ambiguity, f"{ident} is a SHOULD without an ambiguity note"

    def test_a_repeated_id_is_refused(self, tmp_path):
        """A catalogue listing an id twice names the file and the id."""
        entry = {
            "id": "DUP-X-001",
            "area": "a",
            "level": "MUST",
            "statement": "s",
            "section": "S",
            "quote": "q",
        }
        source = tmp_path / "requirements.yaml"
        source.write_text(json.dumps({"requirements": [entry, entry]}), "utf-8")
        with pytest.raises(CatalogueError, match=r"requirements\.yaml: requirement DUP-X-001"):
            load_catalogue(source)

    @pytest.mark.parametrize(
        ("change", "rule"),
        [
            ({"level": "MAY"}, "level must be one of"),
            ({"fixtures": ["api_key"]}, "unknown fixtures"),
        ],
    )
    def test_a_malformed_entry_is_refused(self, tmp_path, change, rule):
        """An unknown level or fixture names the file, the id and the rule."""
        entry = {"id": "BAD-X-001", "area": "a", "level": "MUST", "statement": "s"} | change
        source = tmp_path / "requirements.yaml"
        source.write_text(json.dumps({"requirements": [entry]}), "utf-8")
        with pytest.raises(CatalogueError, match=f"BAD-X-001: {rule}"):
            load_catalogue(source)


class TestCoverage:
    def test_the_suites_name_requirements(self):
        """The suites were found and carry requirement marks at all."""
        assert SUITE_MARKS, f"no pytest.mark.requirement(...) found under {REPO / 'suites'}"

    def test_every_requirement_is_tested(self):
        """Each catalogue id is named by at least one suite test."""
        untested = sorted(set(CATALOGUE) - set(SUITE_MARKS.values()))
        assert untested == [], f"no @pytest.mark.requirement names {untested}"

    def test_every_named_id_exists(self):
        """Each id a suite names is a catalogue entry."""
        unknown = {where: ident for where, ident in SUITE_MARKS.items() if ident not in CATALOGUE}
        assert unknown == {}, f"suites name requirements not in the catalogue: {unknown}"


class TestPinnedPage:
    def test_the_catalogue_names_the_page_beside_it(self):
        """The page the quotes come from is in spec/, inside the repository."""
        assert load_pinned_page().path == DOC
        assert DOC.is_file()

    def test_the_page_is_the_one_pinned(self):
        """The copy in spec/ has the sha256 the catalogue pins: the oracle was not edited."""
        assert hashlib.sha256(DOC.read_bytes()).hexdigest() == load_pinned_page().sha256

    def test_spec_sha256_covers_the_page_catalogue_and_schemas(self, tmp_path, monkeypatch):
        """Changing any of the page, the catalogue or a schema changes the reports' digest."""
        copy = tmp_path / "spec"
        shutil.copytree(spec_dir(), copy)
        monkeypatch.setattr(catalogue, "spec_dir", lambda: copy)
        digests = set()
        for name in ("list-influencers.md", "requirements.yaml", "schemas/item.json"):
            spec_sha256.cache_clear()
            digests.add(spec_sha256())
            with (copy / name).open("a", encoding="utf-8") as file:
                file.write("\n")
        spec_sha256.cache_clear()
        digests.add(spec_sha256())
        spec_sha256.cache_clear()
        assert len(digests) == 4


class TestQuotes:
    @pytest.mark.parametrize("ident", CATALOGUE)
    def test_the_quote_is_the_pages_words(self, doc_text, ident):
        """Every fragment of the quote between `...` elisions occurs in the page."""
        quote = CATALOGUE[ident].quote
        absent = [part for part in fragments(quote) if normalised(part) not in doc_text]
        assert absent == [], f"{ident}: not in {DOC.name}: {absent}"


class TestSchemasAndExamples:
    @pytest.mark.parametrize("name", ["item.json", "page.json", "error.json"])
    def test_schemas_are_valid_draft_2020_12(self, name):
        """Each schema is itself a valid Draft 2020-12 schema."""
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        type(validator(name)).check_schema(schema)

    @pytest.mark.parametrize(
        "example", sorted(p.name for p in (REPO / "spec" / "examples").glob("*.json"))
    )
    def test_examples_validate(self, example):
        """page.json is a page and every error-*.json an error envelope."""
        schema = "page.json" if example == "page.json" else "error.json"
        assert example == "page.json" or example.startswith("error-"), f"unknown example {example}"
        body = json.loads((REPO / "spec" / "examples" / example).read_text("utf-8"))
        errors = [e.message for e in validator(schema).iter_errors(body)]
        assert errors == []

    def test_format_checking_is_on(self):
        """A date-time that is not RFC 3339 fails the item schema: formats are really checked."""
        item = {
            "influencerId": "inf_1",
            "name": "n",
            "gender": None,
            "ageRange": None,
            "status": "ready",
            "thumbnailUrl": None,
            "createdAt": "2026-04-01 14:22:10",
        }
        assert not validator("item.json").is_valid(item)
        assert validator("item.json").is_valid(item | {"createdAt": "2026-04-01T14:22:10Z"})
