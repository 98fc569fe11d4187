"""No key is written anywhere: not to the terminal, not to any report, not to another host.

The keys are recognisable (`lc_SECRET_…`, `lc_NOSCOPE_SECRET_…`), reach the run only
through `${VARS}` in the targets file, and are searched for in everything a run leaves
behind, in every form a server can make the suite repeat them: as written, percent-encoded,
JSON-escaped (any mix of `\\uXXXX`, at any depth of escaping) and base64 (standard and
URL-safe, at any alignment), against servers that try hard: echoing request headers into
bodies, headers and cursors, in each of those forms. The search decodes what it reads
(independently of the suite's redactor) and looks for the key in every decoded view.
"""

from __future__ import annotations

import base64
import html
import json
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pytest
from harness import KEY, KEY_NO_SCOPE, Run, Seen, respond, respond_raw, run_suite

from layers_conformance.reference.faults import FAULTS, HOSTILE

# Verbose output and long tracebacks: everything pytest could print, it prints.
LOUD = ("-vv", "--tb=long", "-rA", "-l")
KEYS = (KEY, KEY_NO_SCOPE)


def base64_forms(key: str) -> set[str]:
    """The part of the key's base64 that does not depend on its neighbours, at each of the
    three byte alignments, in the standard and the URL-safe alphabet."""
    forms = set()
    raw = key.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        first, last = -(-offset * 8 // 6), (offset + len(raw)) * 8 // 6
        stable = encoded[first:last]
        forms |= {stable, stable.replace("+", "-").replace("/", "_")}
    return forms


FORMS = {form: key for key in KEYS for form in (key, *base64_forms(key))}
ESCAPED = re.compile(r"\\+u([0-9a-fA-F]{4})|\\+x([0-9a-fA-F]{2})|\\+([/\"])")


def decoded_views(text: str) -> list[str]:
    """`text`, and what it reads as once JSON escapes, percent-encoding and HTML entities
    are undone (repeatedly, for escapes inside escapes)."""
    views = [text]
    for _ in range(3):
        last = views[-1]
        unescaped = ESCAPED.sub(
            lambda m: chr(int(m[1] or m[2], 16)) if m[1] or m[2] else m[3], last
        )
        views.append(html.unescape(unquote(unescaped)))
    return views


def found_in(text: str) -> set[str]:
    """The forms of either key that `text` reveals, in any decoded view."""
    return {form for view in decoded_views(text) for form in FORMS if form in view}


def leaks(run: Run) -> list[str]:
    """Where any form of either key appears in the run's output or any file it wrote."""
    return [f"{where}: {form!r}" for where, text in run.written().items()
            for form in sorted(found_in(text))]  # fmt: skip


def assert_everything_written(run: Run) -> None:
    for name in ("conformance.json", "index.html", "junit.xml"):
        assert (run.report_dir / name).is_file(), run.explain()
    assert any((run.report_dir / "allure-results").iterdir()), "no allure results to scan"


def echo(number: int, seen: Seen):
    """Repeat the request's headers back: in the body, in a header, and as the next cursor."""
    key = seen.headers.get("x-api-key") or seen.headers.get("authorization", "none")
    headers = {"x-echo-key": key, "x-echo-headers": json.dumps(seen.headers)}
    if "cursor=" in seen.query:  # every later page fails, its body naming the headers
        error = {"code": "ECHO", "message": json.dumps(seen.headers), "requestId": f"req_{key}"}
        return respond(500, {"error": error}, headers)
    item = {"influencerId": f"inf_{key}", "name": json.dumps(seen.headers), "status": key}
    return respond(200, {"items": [item], "nextCursor": key}, headers)


def test_no_key_in_the_reports_of_a_server_that_echoes_it(tmp_path, targets):
    """Keys echoed in bodies, headers and cursors are redacted in every output, and every
    check of such a server fails."""
    target = targets.start(answer=echo)
    run = run_suite(tmp_path, *LOUD, target=target)
    sent = [value for seen in target.seen for value in seen.headers.values()]
    assert KEY in sent  # the server did get the keys to echo
    assert KEY_NO_SCOPE in sent
    assert f"Bearer {KEY}" in sent
    assert run.report["verdict"] == "fail"
    assert_everything_written(run)
    assert leaks(run) == []


@pytest.mark.parametrize(
    "fault", [HOSTILE["non_json_body"], FAULTS["validation_as_500"]], ids=lambda f: f.name
)
def test_no_key_in_the_reports_of_a_faulty_server(tmp_path, targets, fault):
    """A failing run's evidence (requests, curl lines, excerpts) carries no key."""
    run = run_suite(tmp_path, *LOUD, target=targets.start(fault))
    assert run.report["verdict"] == "fail"
    assert_everything_written(run)
    assert leaks(run) == []


def test_no_key_in_the_evidence_bundle_of_a_server_that_echoes_it(tmp_path, targets):
    """The bundle is compressed, so a scan of its bytes would see nothing: its files are read."""
    run = run_suite(tmp_path, "--certify", target=targets.start(answer=echo))
    with zipfile.ZipFile(run.report_dir / "evidence.zip") as bundle:
        written = {name: bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist()}
    assert "exchanges.har" in written
    assert [f"{name}: {form!r}" for name, text in written.items()
            for form in sorted(found_in(text))] == []  # fmt: skip
    assert leaks(run) == []


@contextmanager
def listener(host: str, port: int) -> Iterator[list[bytes]]:
    """Accept connections on host:port and keep whatever each one sends."""
    received: list[bytes] = []
    server = socket.create_server((host, port))
    server.settimeout(0.2)
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(65536))
                except OSError:
                    received.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        done.set()
        thread.join(2)
        server.close()


def test_a_redirect_never_takes_the_key_to_another_host(tmp_path, targets):
    """redirect_elsewhere sends every page to 127.0.0.2 on the same port: nothing arrives
    there, and the key is in no output."""
    target = targets.start(HOSTILE["redirect_elsewhere"])
    port = int(target.served.base_url.rsplit(":", 1)[1])
    with listener("127.0.0.2", port) as received:
        run = run_suite(tmp_path, *LOUD, target=target)
    assert any(s.path.endswith("/influencers") for s in target.seen)
    assert received == []
    assert run.report["verdict"] == "fail"
    assert_everything_written(run)
    assert leaks(run) == []


def json_escaped(text: str) -> str:
    """Every other character as a \\u escape, hex digits in mixed case."""
    return "".join(f"\\u{ord(c):04X}" if i % 2 else f"\\u{ord(c):04x}" for i, c in enumerate(text))


def encodings(key: str) -> list[str]:
    """The key as JSON-escaped text (whole, mixed, and escaped twice) and as base64 at three
    alignments, standard and URL-safe: the values the echo server sends back."""
    raw = key.encode()
    return [
        json_escaped(key),
        key[:3] + json_escaped(key[3:9]) + key[9:],
        json_escaped(key).replace("\\", "\\\\"),
        base64.b64encode(raw).decode(),
        base64.b64encode(b"x" + raw).decode(),
        base64.urlsafe_b64encode(b"xy" + raw + b"\xff\xfe").decode(),
    ]


def echo_encoded(number: int, seen: Seen):
    """Echo the key, encoded, wherever a value goes: error code and message, an item's
    createdAt and name, the next cursor, and a response header."""
    key = seen.headers.get("x-api-key") or seen.headers.get("authorization", "none")
    forms = encodings(key)
    form = forms[number % len(forms)]
    headers = {"x-echo": base64.b64encode(key.encode()).decode()}
    if "cursor=" in seen.query or number % 3 == 0:
        error = f'{{"code": "{form}", "message": "{forms[0]}", "requestId": "req_{form}"}}'
        return respond_raw(400, f'{{"error": {error}}}', headers)
    item = (
        f'{{"influencerId": "inf_1", "name": "{form}", "gender": null, "ageRange": null, '
        f'"status": "ready", "thumbnailUrl": null, "createdAt": "{forms[(number + 1) % 6]}"}}'
    )
    return respond_raw(200, f'{{"items": [{item}], "nextCursor": "{form}"}}', headers)


def test_no_key_in_any_encoding_in_the_reports(tmp_path, targets):
    """Keys echoed JSON-escaped and base64-encoded (in error codes, timestamps, names,
    cursors and headers) are in no output, with everything pytest can print switched on."""
    target = targets.start(answer=echo_encoded)
    run = run_suite(tmp_path, *LOUD, target=target)
    assert run.report["verdict"] == "fail"
    assert_everything_written(run)
    assert leaks(run) == []


def test_the_scan_finds_a_key_where_one_is_written(tmp_path):
    """The scan itself works: a key in any form, in any file of the report folder, is found."""
    folder = tmp_path / "reports" / "t"
    (folder / "allure-results").mkdir(parents=True)
    run = Run(0, "", "", 0.0, folder)
    assert leaks(run) == []
    for key in KEYS:
        for form in [key, *encodings(key), json.dumps(json_escaped(key))]:
            Path(folder / "allure-results" / "x.txt").write_text(f"...{form}...")
            assert leaks(run), form
