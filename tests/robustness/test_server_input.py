"""Whatever a server sends, the suite never crashes, and blames only the rule it breaks.

Each server here is the reference with one oddity added to its answers: input that used to
raise inside the suite (deep nesting, a 1 MB cursor, a lone surrogate, `Retry-After: ²`, a
Location no IDNA codec accepts), rate limiting, and terminal escapes in error codes. Every
run must end with its reports written, no traceback anywhere, the broken rule named in one
line, and the requirements the oddity does not touch still passing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from harness import KEY, Run, Seen, respond, rewrite_bodies, run_suite

# What a crash inside the suite would have printed, by the exceptions it used to raise.
CRASH_WORDS = ("Traceback", "RecursionError", "InvalidURL", "UnicodeEncodeError",
               "UnicodeError", "IDNAError", "ValueError", "MemoryError")  # fmt: skip


def first_pages(seen: Seen, status: int) -> bool:
    """A 200 page asked for with the configured key and no cursor."""
    return status == 200 and "cursor=" not in seen.query and seen.headers.get("x-api-key") == KEY


def with_cursor(text: str):
    """Every first page hands out `text` (raw JSON string content) as its nextCursor."""

    def change(seen: Seen, status: int, body: bytes) -> bytes:
        if not first_pages(seen, status):
            return body
        replacement = b'"nextCursor":"' + text.encode() + b'"'
        return re.sub(rb'"nextCursor":\s*"[^"]*"', lambda _m: replacement, body)

    return change


def with_member(raw_json: str):
    """Every first page carries an extra top-level member `meta` with this raw JSON value."""

    def change(seen: Seen, status: int, body: bytes) -> bytes:
        if not first_pages(seen, status):
            return body
        return b'{"meta":' + raw_json.encode() + b"," + body.lstrip()[1:]

    return change


@dataclass(frozen=True)
class Oddity:
    """A server oddity, the requirement it breaks and words its reason must hold."""

    change: object
    breaks: str
    words: str


ODDITIES = {
    "deep_nesting": Oddity(
        with_member("[" * 100_000 + "]" * 100_000),
        "SHAPE-JSON-001",
        "the body is not JSON: nested deeper than 64 levels at byte 71",
    ),
    "cursor_of_1_mb": Oddity(
        with_cursor("c" * 1_000_000),
        "TRAV-NODUP-001",
        "page 1's nextCursor cannot be sent back: the URL would be too long",
    ),
    "lone_surrogate_cursor": Oddity(
        with_cursor("ab\\ud800cd"),
        "TRAV-NODUP-001",
        "page 1's nextCursor cannot be sent back: the cursor holds a lone surrogate",
    ),
}


def assert_no_crash(run: Run) -> None:
    written = run.written()
    for where, text in written.items():
        found = [word for word in CRASH_WORDS if word in text]
        assert not found, f"{where}: {found}\n{run.explain()}"
    for ident, reason in run.reasons.items():
        assert "\n" not in reason, f"{ident}: {reason!r}"


@pytest.mark.parametrize("name", sorted(ODDITIES))
def test_an_oddity_is_a_finding_on_the_rule_it_breaks(tmp_path, targets, name):
    """The run names the broken rule with the exchange and a curl line: no traceback, no
    suite error; cases that could not be sent are inconclusive, never failed."""
    oddity = ODDITIES[name]
    target = targets.start(wrap=lambda app: rewrite_bodies(app, oddity.change))
    run = run_suite(tmp_path, target=target, timeout=120)
    assert_no_crash(run)
    statuses, reasons = run.statuses, run.reasons
    assert statuses[oddity.breaks] == "fail", f"{statuses[oddity.breaks]}: {reasons}"
    assert oddity.words in reasons[oddity.breaks]
    evidence = next(r for r in run.report["requirements"] if r["id"] == oddity.breaks)
    assert evidence["evidence"][0]["curl"].startswith("curl ")
    assert statuses["ERR-ENVELOPE-001"] == "pass"  # answers the oddity does not touch


def test_a_location_no_idna_codec_accepts_is_an_answer(tmp_path, targets):
    """A 302 to `http://xn--zz.com/` on every cursor request is recorded as the answer it is
    (the client never follows, nor even parses, a redirect)."""
    moved = respond(302, {}, {"location": "http://xn--zz.com/"})
    target = targets.start(answer=lambda _n, seen: moved if "cursor=" in seen.query else None)
    run = run_suite(tmp_path, target=target, timeout=120)
    assert_no_crash(run)
    assert run.statuses["TRAV-NODUP-001"] == "fail"
    assert "HTTP 302" in run.reasons["TRAV-NODUP-001"]


def test_no_pass_without_evidence(tmp_path):
    """Error answers that are HTML pages carry no readable code: the conventional status of
    a code cannot be judged, so ERR-STATUS-001 is inconclusive, never a pass."""
    run = run_suite(tmp_path, "--reference-fault", "html_error_pages", timeout=120)
    assert_no_crash(run)
    assert run.statuses["ERR-STATUS-001"] == "inconclusive"
    assert run.reasons["ERR-STATUS-001"] == "no error answer carried a readable documented code"


def rate_limited(retry_after: str | Callable[[], str], from_request: int = 5):
    """From request `from_request` on, every answer is 429 with this Retry-After (or the
    one `retry_after()` gives when the request arrives)."""

    def answer(number: int, _seen: Seen):
        if number < from_request:
            return None
        value = retry_after() if callable(retry_after) else retry_after
        return respond(429, {"error": {"code": "RATE_LIMITED"}}, {"retry-after": value})

    return answer


def a_day_ahead() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)


# name -> (answers, words of `aborted`, the run's options); waits the run cannot give stop it
# at once, and 429s it may wait out (none readable, or a second at a time) are waited out
# until the deadline.
RATE_LIMITS = {
    "an_hour": (rate_limited("3600"), "rate limited (server asked for 3600 s)", ()),
    "a_date_a_day_ahead": (rate_limited(a_day_ahead), "rate limited (server asked for 86", ()),
    "unreadable": (rate_limited("²"), "rate limited", ("--deadline", "5")),
    "again_and_again": (rate_limited("1"), "rate limited", ("--deadline", "5")),
}


@pytest.mark.parametrize("name", sorted(RATE_LIMITS))
def test_rate_limiting_stops_the_run_and_fails_no_requirement(tmp_path, targets, name):
    """429s the run cannot wait out stop it as `aborted: rate limited (...)`: the undecided
    requirements are inconclusive, none fails, and the server gets no more requests."""
    answer, words, options = RATE_LIMITS[name]
    target = targets.start(answer=answer)
    run = run_suite(tmp_path, "--concurrency", "1", *options, target=target, timeout=120)
    assert_no_crash(run)
    assert words in run.report["aborted"], run.report["aborted"]
    assert run.report["verdict"] == "incomplete"
    assert "fail" not in run.statuses.values(), run.reasons
    undecided = [i for i, r in run.reasons.items() if "rate limited" in r]
    assert undecided
    assert all(run.statuses[i] == "inconclusive" for i in undecided)
    if not options:
        assert len(target.seen) == 5  # the first 429 asked for too long: no retry


def test_a_rate_limited_run_stops_every_thread(tmp_path, targets):
    """With requests in flight on four threads at once, the first 429 the run cannot wait
    out stops them all: only the requests already on their way reach the server after it."""
    target = targets.start(answer=rate_limited("3600"))
    run = run_suite(tmp_path, "--concurrency", "4", target=target, timeout=120)
    assert "rate limited (server asked for 3600 s)" in run.report["aborted"], run.explain()
    assert len(target.seen) <= 5 + 3  # the first 429, and three more already in flight


def test_a_run_stopped_under_xdist_fails_rather_than_interrupts(tmp_path, targets):
    """With `-n 2` a worker's stop reaches the controller as an interrupt: the run that
    stopped itself still exits 1 (fail), not 2 (interrupted), with its reports."""
    target = targets.start(answer=rate_limited("3600"))
    run = run_suite(tmp_path, "-n", "2", target=target, timeout=120)
    assert run.code == 1, run.explain()
    assert "rate limited (server asked for 3600 s)" in run.report["aborted"]


ESCAPES = "\x1b[2K\x1b[1A\x1b[32mverdict: PASS\x1b[0m\r\u202e\x07\x9b"


def with_escapes(seen: Seen, status: int, body: bytes) -> bytes:
    """Terminal escapes in error.code and error.message, and in the influencerIds of first
    pages, whose items also come oldest first (so an order violation names them)."""
    if status >= 400:
        error = {"code": ESCAPES, "message": ESCAPES, "requestId": "req_" + ESCAPES}
        return json.dumps({"error": error}).encode()
    if not first_pages(seen, status):
        return body
    page = json.loads(body)
    page["items"] = [{**item, "influencerId": ESCAPES + item["influencerId"]}
                     for item in reversed(page["items"])]  # fmt: skip
    return json.dumps(page).encode()


def raw_controls(text: str) -> list[str]:
    """The control characters (and bidi overrides) in `text`, except newline and tab."""
    return re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


def strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_terminal_escapes_are_shown_never_obeyed(tmp_path, targets):
    """ANSI escapes, a carriage return and a bidi override in error codes reach no output raw:
    not the terminal (with -vv -rA), not a value of conformance.json, not index.html or
    junit.xml; the escaped text shows instead, and the real verdict line is there."""
    target = targets.start(wrap=lambda app: rewrite_bodies(app, with_escapes))
    run = run_suite(tmp_path, "-vv", "-rA", target=target, timeout=120)
    assert_no_crash(run)
    assert raw_controls(run.stdout + run.stderr) == []
    assert re.search(r"\\(x1b|u001b)\[32mverdict: PASS", run.stdout), run.explain()
    assert "verdict: FAIL" in run.stdout
    report = json.loads((run.report_dir / "conformance.json").read_text())
    assert [s for s in strings(report) if raw_controls(s)] == []
    for name in ("index.html", "junit.xml"):
        assert raw_controls((run.report_dir / name).read_text()) == [], name
