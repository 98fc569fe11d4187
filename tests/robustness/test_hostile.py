"""A broken or hostile server ends the run in bounded time, with reports that say what broke.

Each hostile fault runs the standard profile against the reference wrapped in a recording
server, and must end in bounded time, write every report, fail the run, give every affected
requirement a one-line reason, and leave unaffected ones passing. "In bounded time" is read
on the server's clock against the run's own settings, never against how fast this machine
is: after the last request the server saw, the run waits at most one read timeout for its
answer, judges what came and writes its reports.
No answer is no evidence: a server that leaves requests unanswered (hangs, drops the
connection) makes the checks that needed them inconclusive, never fail, and the run
incomplete, so it fails all the same.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

import pytest
from harness import Run, respond, run_suite, write_targets

from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reference.faults import HOSTILE

REPORT_FILES = ("conformance.json", "index.html", "junit.xml")
READ_TIMEOUT_S = 10  # a target's default `timeout_s`
# Slack, not a measure of speed: judging what came and writing the reports on a busy machine.
AFTER_LAST_REQUEST_S = 60
HANG_GUARD_S = 900  # only so that a run that never ends fails the test instead of hanging it


@dataclass(frozen=True)
class Case:
    """How to run one hostile fault, how long it may take, and what it must break."""

    fault: str
    breaks: dict[str, str]  # requirement id -> words its reason must contain
    options: tuple[str, ...] = ()
    # requirement id -> a pattern of its reason, for those left inconclusive: no answer is no
    # evidence, and the run that could not read them is incomplete (so it fails).
    undecided: tuple[tuple[str, str], ...] = ()
    # Some of its answers arrive whole (evidence) and some not (no evidence), as it happens.
    mixed: bool = False
    entry: tuple[tuple[str, object], ...] = ()  # run through a targets entry with these keys


# The longest first, so that pytest-xdist starts them first.
CASES = {
    # A hung request waits out the default 10 s read timeout. Sent four at a time, the walks'
    # second pages hang together: three unanswered in a row, and nothing more is sent (one at
    # a time, the first pages answer in between, and every hang is waited out).
    "hang_on_later_pages": Case(
        "hang_on_later_pages",
        {},
        undecided=(("TRAV-NODUP-001", "read timed out after 10 s|stopped answering"),),
    ),
    # ... and `timeout_s: 2` in the targets entry is the lever that cuts the wait.
    "hang_on_later_pages-timeout_s-2": Case(
        "hang_on_later_pages",
        {},
        entry=(("timeout_s", 2),),
        undecided=(("TRAV-NODUP-001", "read timed out after 2 s|stopped answering"),),
    ),
    # A slow server breaks no documented rule; only --deadline bounds the run (1.5 s/page
    # x ~450 requests is 11 minutes without one).
    "slow_pages-deadline-15": Case("slow_pages", {}, options=("--deadline", "15")),
    "midway_503": Case("midway_503", {"TRAV-PAGING-001": "HTTP 503"}),
    "cursor_loop": Case("cursor_loop", {"TRAV-NODUP-001": "already on page 1"}),
    "never_ending_cursor": Case(
        "never_ending_cursor", {"TRAV-NODUP-001": "repeats an earlier nextCursor"}
    ),
    "non_json_body": Case(
        "non_json_body", {"SHAPE-CONTENT-TYPE-001": "text/html", "SHAPE-PAGE-001": "JSON"}
    ),
    "huge_pages": Case("huge_pages", {"LIMIT-MAX-001": "limit 100"}),
    "midway_500": Case("midway_500", {"TRAV-PAGING-001": "HTTP 500"}),
    # The drop after the headers arrives now as an empty 200 (a whole answer: evidence), now
    # as a reset connection (no answer): the run fails either way, and only on answers.
    "drop_connection": Case("drop_connection", {}, mixed=True),
    "redirect_elsewhere": Case("redirect_elsewhere", {"SHAPE-PAGE-001": "HTTP 302"}),
}


def test_every_hostile_fault_has_a_case():
    assert {case.fault for case in CASES.values()} == set(HOSTILE)


def assert_reports_written(run: Run) -> None:
    for name in REPORT_FILES:
        assert (run.report_dir / name).is_file(), f"{name} missing\n{run.explain()}"


def assert_one_line_reasons(run: Run) -> None:
    for ident, reason in run.reasons.items():
        assert "\n" not in reason, f"{ident}: {reason!r}"
        assert "Traceback" not in reason, f"{ident}: {reason!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_server_ends_the_run_with_reports(tmp_path, targets, name):
    """The run ends in time, writes its reports, fails, and says why in one line each."""
    case = CASES[name]
    entry = dict(case.entry)
    target = targets.start(HOSTILE[case.fault], **entry)
    run = run_suite(tmp_path, *case.options, target=target, timeout=HANG_GUARD_S)
    ended = time.monotonic()
    assert target.seen, run.explain()
    waited = ended - target.seen[-1].at
    assert waited < entry.get("timeout_s", READ_TIMEOUT_S) + AFTER_LAST_REQUEST_S, run.explain()
    assert_reports_written(run)
    assert_one_line_reasons(run)
    statuses, reasons = run.statuses, run.reasons
    for ident, words in case.breaks.items():
        assert statuses[ident] == "fail", f"{ident}: {statuses[ident]} {reasons[ident]}"
        assert words in reasons[ident]
    for ident, pattern in case.undecided:
        assert statuses[ident] == "inconclusive", f"{ident}: {statuses[ident]} {reasons[ident]}"
        assert re.search(pattern, reasons[ident]), reasons[ident]
    if case.undecided:
        # No answer decided nothing: not one fail, and the run is incomplete (exit 1). What
        # came before the hangs is judged all the same.
        assert "fail" not in statuses.values(), run.explain()
        assert run.code == 1
        assert run.report["verdict"] == "incomplete"
        assert re.search("no answer|stopped answering|could not be read", run.report["aborted"])
        assert statuses["LIMIT-RANGE-001"] == "pass"
    elif case.mixed:
        assert run.report["verdict"] == "fail"
        assert not failed_on_no_answer(run), run.explain()
    elif case.breaks:
        assert run.code == 1
        assert run.report["verdict"] == "fail"
        assert statuses["AUTH-MISSING-001"] == "pass"  # unaffected checks still ran
    else:
        # Nothing broken: what ran passed, what the deadline cut off is inconclusive.
        assert "fail" not in statuses.values()
        late = [i for i, r in reasons.items() if "deadline" in r]
        assert late
        assert all(statuses[i] == "inconclusive" for i in late)


def failed_on_no_answer(run: Run) -> list[str]:
    """Requirements that fail with a piece of evidence that is no answer at all."""
    return [
        r["id"]
        for r in run.report["requirements"]
        if r["status"] == "fail"
        and any(e["response_excerpt"].startswith("no response") for e in r["evidence"])
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_target_that_is_down_stops_the_run_at_once(tmp_path):
    """A closed port: a non-zero exit within seconds, one line naming the URL, and the
    reports written with `aborted` set."""
    url = f"http://127.0.0.1:{closed_port()}"
    entry = {
        "base_url": url,
        "auth": {"scheme": "x-api-key", "key": "${LAYERS_API_KEY}"},
        "fixtures": {"project_id": "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"},
    }
    path = write_targets(tmp_path / "targets.yaml", "down", entry)
    run = run_suite(
        tmp_path, "--targets-file", str(path), "--target", "down", name="down", timeout=60
    )
    assert run.code == 1, run.explain()
    # At once: no test judged anything, every requirement is left undecided.
    assert set(run.statuses.values()) == {"inconclusive"}, run.explain()
    lines = [line for line in run.output.splitlines() if "cannot reach" in line]
    assert lines, run.explain()
    assert all(url in line for line in lines)
    assert "Traceback" not in run.output
    assert_reports_written(run)
    assert run.report["aborted"].startswith(f"cannot reach {url}")
    assert run.report["stop_kind"] == "unreachable"
    assert run.report["verdict"] == "incomplete"


def test_a_target_that_dies_midway_ends_the_run_fast(tmp_path, targets):
    """The server shuts down after 40 requests: the run stops within seconds, with reports
    that say it was aborted because the target went away."""
    started = []

    def die_at_40(number, _seen):
        if number == 40:
            started[0].served.stop()

    started.append(targets.start(answer=die_at_40))
    run = run_suite(tmp_path, target=started[0], timeout=HANG_GUARD_S)
    ended = time.monotonic()
    assert run.code == 1, run.explain()
    assert ended - started[0].seen[-1].at < READ_TIMEOUT_S + AFTER_LAST_REQUEST_S, run.explain()
    assert_reports_written(run)
    # In-flight requests that the shutdown cuts count as unanswered: three of them stop the
    # run before a new connection is refused, so either words the same fact.
    assert re.search("cannot reach|stopped answering", run.report["aborted"])
    assert run.report["verdict"] == "incomplete"
    assert "Traceback" not in run.output


def endless_fresh_cursors(number, seen):
    """Past the first page, every page is empty and hands out a cursor never seen before."""
    if "cursor=" in seen.query:
        return respond(200, {"items": [], "nextCursor": f"endless-{number}"})
    return None


def test_endless_fresh_cursors_fail_the_run_without_spending_its_budget(tmp_path, targets):
    """Empty pages that always hand out a new cursor: the guard stops each walk after three,
    which is no evidence that the list never ends (TRAV-NODUP-001 inconclusive, saying so);
    an empty page with a cursor is evidence against PAGE-END-001, which fails. The other
    requirements still get their requests."""
    target = targets.start(answer=endless_fresh_cursors)
    run = run_suite(tmp_path, target=target, timeout=120)
    assert_reports_written(run)
    assert run.report["requests"] < PROFILES["standard"].budget
    assert run.report["verdict"] == "fail"
    assert run.statuses["TRAV-NODUP-001"] == "inconclusive"
    assert "empty pages in a row" in run.reasons["TRAV-NODUP-001"]
    assert run.statuses["PAGE-END-001"] == "fail"
    assert "is empty but has a nextCursor" in run.reasons["PAGE-END-001"]
    # The stub serves any request with a cursor, keyless ones too (AUTH-MISSING-001 rightly
    # fails with a cursor); a check that sends none still ran and passed.
    assert run.statuses["LIMIT-RANGE-001"] == "pass"
