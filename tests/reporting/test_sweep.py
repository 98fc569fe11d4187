"""The sweep: files other writers left (junit.xml, Allure's results) pass the same edge."""

from __future__ import annotations

import json
import tracemalloc

from layers_conformance.core import redaction
from layers_conformance.core.redaction import REDACTOR, Redactor
from layers_conformance.reporting import json_report
from layers_conformance.reporting import sweep as sweeping
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


def test_a_long_text_is_swept_a_line_at_a_time(tmp_path):
    """An attachment of thousands of titles is cleaned without being held whole (issue 23):
    a key on one line, another JSON-escaped on the last, a control on a third, each as the
    whole text would have them."""
    REDACTOR.add({KEY: "$LAYERS_API_KEY"})
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    lines = [f"GET /v1/projects/p1/influencers?cursor={'c' * 300}\u2026{n}\n" for n in range(8_000)]
    lines[10] = f"X-Api-Key: {KEY}\n"
    lines[20] = "\x1b[2K\n"
    lines[-1] = f"echo {escaped}"
    attachment = tmp_path / "1-attachment.txt"
    attachment.write_text("".join(lines), encoding="utf-8")
    tracemalloc.start()
    try:
        sweep([attachment])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    swept = attachment.read_text(encoding="utf-8").splitlines(keepends=True)
    assert swept[10] == "X-Api-Key: $LAYERS_API_KEY\n"
    assert swept[20] == "\\u001b[2K\n"
    assert swept[-1] == "echo $LAYERS_API_KEY"
    assert swept[:10] == lines[:10]
    assert len(swept) == len(lines)
    assert peak < 1_000_000 < attachment.stat().st_size  # the text is 2.4 MB, 9.6 in memory


def test_a_key_with_a_line_break_is_swept_whole(tmp_path, monkeypatch):
    """A secret whose form spans two lines is found as the whole text holds it. (A redactor
    of its own: with this key, the process's would sweep every text whole from now on.)"""
    key = "lk_two\nlines_SECRET"
    redactor = Redactor({key: "$OTHER_KEY"})
    for module in (redaction, json_report, sweeping):
        monkeypatch.setattr(module, "REDACTOR", redactor)
    notes = tmp_path / "notes.txt"
    notes.write_text(f"before {key} after\n")
    sweep([notes])
    assert notes.read_text() == "before $OTHER_KEY after\n"
