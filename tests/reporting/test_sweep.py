"""The sweep: files other writers left (junit.xml, Allure's results) pass the same edge."""

from __future__ import annotations

import json

from layers_conformance.core.redaction import REDACTOR
from layers_conformance.reporting.sweep import sweep

KEY = "lk_sweep_SECRET_77"


def test_files_written_by_others_are_redacted_and_their_controls_shown(tmp_path):
    """A key (raw or JSON-escaped) and terminal escapes in junit.xml and in the values of an
    Allure result are replaced and made visible; other files are left as they were."""
    REDACTOR.add({KEY: "$LAYERS_API_KEY"})
    junit = tmp_path / "junit.xml"
    junit.write_text(f"<failure>{KEY} \u202e</failure>")
    allure = tmp_path / "allure-results"
    allure.mkdir()
    result = allure / "1-result.json"
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    result.write_text('{"message": "\\u001b[2K' + escaped + '"}')
    clean = allure / "2-attachment.txt"
    clean.write_text("nothing to see")
    binary = allure / "3.png"
    binary.write_bytes(b"\x89PNG\xff\xfe")
    sweep([junit, allure])
    assert junit.read_text() == "<failure>$LAYERS_API_KEY \\u202e</failure>"
    assert json.loads(result.read_text()) == {"message": "\\u001b[2K$LAYERS_API_KEY"}
    assert clean.read_text() == "nothing to see"
    assert binary.read_bytes() == b"\x89PNG\xff\xfe"
