"""No key is written anywhere: not to the terminal, not to any report, not to another host.

The keys are recognisable (`lc_SECRET_…`, `lc_NOSCOPE_SECRET_…`), reach the run only
through `${VARS}` in the targets file, and are searched for as written, percent-encoded
and base64-encoded in everything a run leaves behind, against servers that try hard to
make the suite repeat them: echoing request headers into bodies, headers and cursors.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from harness import KEY, KEY_NO_SCOPE, Run, Seen, respond, run_suite

from layers_conformance.reference.faults import FAULTS, HOSTILE

# Verbose output and long tracebacks: everything pytest could print, it prints.
LOUD = ("-vv", "--tb=long", "-rA", "-l")


def forms(key: str) -> set[str]:
    """The key as written, percent-encoded, and base64-encoded (standard and URL-safe)."""
    encoded = key.encode()
    return {
        key,
        quote(key, safe=""),
        base64.b64encode(encoded).decode().rstrip("="),
        base64.urlsafe_b64encode(encoded).decode().rstrip("="),
    }


SECRET_FORMS = forms(KEY) | forms(KEY_NO_SCOPE)


def leaks(run: Run) -> list[str]:
    """Where any form of either key appears in the run's output or any file it wrote."""
    found = [f"{where}: {form!r}" for where in ("stdout", "stderr") for form in SECRET_FORMS
             if form in getattr(run, where)]  # fmt: skip
    for path in sorted(p for p in run.report_dir.parent.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{path.name}: {form!r}" for form in SECRET_FORMS if form in text]
    return found


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
    assert [f"{name}: {form!r}" for name, text in written.items() for form in SECRET_FORMS
            if form in text] == []  # fmt: skip
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


def test_the_scan_finds_a_key_where_one_is_written(tmp_path):
    """The scan itself works: a key in any form, in any file of the report folder, is found."""
    folder = tmp_path / "reports" / "t"
    (folder / "allure-results").mkdir(parents=True)
    run = Run(0, "", "", 0.0, folder)
    assert leaks(run) == []
    for form in sorted(SECRET_FORMS):
        Path(folder / "allure-results" / "x.txt").write_text(f"...{form}...")
        assert leaks(run) == [f"x.txt: {form!r}"]
