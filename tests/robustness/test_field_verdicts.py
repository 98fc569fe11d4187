"""Right verdicts in the field: a server that stops answering, and the suite's own limits.

No answer is no evidence, and the suite's caps are not the server's faults: each is
`inconclusive` with its reason, and `fail` only where an answer shows the fault.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from harness import Run, run_suite
from starlette.types import Receive, Scope, Send

from layers_conformance.plugin import DEFAULT_CONCURRENCY
from layers_conformance.probing.plan import plan_run
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reference.faults import FAULTS, HOSTILE

ANSWERED = 20
TIMEOUT_S = 2
# From the last answer: three unanswered requests at the read timeout, then the run's end
# (pytest's teardown, the reports); the bound the issue sets is 60 s.
STOP_BOUND_S = 60
LARGE = 20_000
SMALL_BUDGET = 700  # past the plan's reserve (550); its walk to the end covers fewer than LARGE


async def hang(scope: Scope, receive: Receive, send: Send) -> None:
    """Never answers (within any timeout a test uses)."""
    await asyncio.sleep(120)


def silent_after(count: int):
    return lambda number, _seen: hang if number > count else None


def requirement(run: Run, ident: str) -> dict[str, Any]:
    return next(r for r in run.report["requirements"] if r["id"] == ident)


def fails_without_an_answer(run: Run) -> list[str]:
    """Requirements that fail on evidence that is no answer at all."""
    return [
        r["id"]
        for r in run.report["requirements"]
        if r["status"] == "fail"
        and any("no answer" in e["message"] or not e["response_excerpt"] for e in r["evidence"])
    ]


@pytest.mark.parametrize("concurrency", [1, DEFAULT_CONCURRENCY])
def test_a_target_that_stops_answering_stops_the_run(tmp_path, targets, concurrency):
    """After its 20th answer the server answers nothing: three unanswered requests later the
    run stops, with reports, `aborted` naming the last answered request, no requirement
    failed, and what was left undecided inconclusive. With requests in flight at once, the
    ones already sent when the third went unanswered may still reach the server, and the
    last one answered may be numbered a little past 20 by the client."""
    target = targets.start(answer=silent_after(ANSWERED), timeout_s=TIMEOUT_S)
    run = run_suite(tmp_path, "--concurrency", str(concurrency), target=target, timeout=180)
    ended = time.monotonic()
    last_answer = target.seen[ANSWERED - 1].at
    assert ended - last_answer < STOP_BOUND_S, run.explain()
    in_flight = concurrency - 1
    assert ANSWERED + 3 <= len(target.seen) <= ANSWERED + 3 + in_flight, run.explain()
    assert (run.report_dir / "index.html").is_file()
    report = run.report
    assert report["verdict"] == "incomplete"
    stopped = re.fullmatch(
        r"the run could not finish: target stopped answering after request (\d+)", report["aborted"]
    )
    assert stopped, report["aborted"]
    assert report["stop_kind"] == "unresponsive"
    assert ANSWERED <= int(stopped.group(1)) <= ANSWERED + in_flight
    statuses = run.statuses
    assert "fail" not in statuses.values(), run.explain()
    assert "inconclusive" in statuses.values()
    # Whatever passed was decided by the 20 answers; the rest is undecided, never skipped.
    assert set(statuses.values()) <= {"pass", "inconclusive", "warn"}
    assert "Traceback" not in run.output


def test_a_project_larger_than_the_plan_is_inconclusive_at_its_end_not_failed(tmp_path, targets):
    """20,000 influencers, a budget whose walk to the end covers fewer: the end-of-list
    checks are inconclusive, saying how far the walk went and how to let it go further;
    nothing fails, nothing is cut short, and the run passes. The one-request checks, which
    run after the walks, were not starved by them: the plan kept their reserve."""
    target = targets.start(size=LARGE, request_budget=SMALL_BUDGET)
    run = run_suite(tmp_path, target=target, timeout=240)
    statuses, reasons = run.statuses, run.reasons
    for ident in ("PAGE-END-001", "TRAV-NODUP-001"):
        assert statuses[ident] == "inconclusive", f"{ident}: {reasons[ident]}"
        assert "the list did not end within" in reasons[ident]
        assert "each 1,000 requests more of request_budget" in reasons[ident]
    assert "fail" not in statuses.values(), run.explain()
    assert run.report["aborted"] == ""
    assert run.report["verdict"] == "pass"
    for ident in ("LIMIT-RANGE-001", "STATUS-REJECT-001", "PROJ-MALFORMED-001"):
        assert statuses[ident] == "pass", f"{ident}: {reasons[ident]}"
    assert "of ≥ " in reasons["TRAV-CONSISTENT-001"]


def test_a_fault_within_the_prefix_fails_with_its_evidence(tmp_path, targets):
    """The same large project and budget, but each page repeats the previous page's last
    influencer: the walks never end within the plan, yet the repeat is evidence, so
    TRAV-NODUP-001 fails naming it."""
    fault = FAULTS["previous_last_repeated"]
    target = targets.start(fault, size=LARGE, request_budget=SMALL_BUDGET)
    run = run_suite(tmp_path, target=target, timeout=240)
    assert run.statuses["TRAV-NODUP-001"] == "fail", run.explain()
    assert "already on page" in run.reasons["TRAV-NODUP-001"]
    assert not fails_without_an_answer(run)


def test_a_cursor_loop_is_evidence_the_walk_never_ends(tmp_path, targets):
    """A cursor that leads back within the prefix is a fault whatever the plan: fail, with
    the repeated influencers, though no walk reached the end."""
    target = targets.start(HOSTILE["cursor_loop"], size=LARGE, request_budget=SMALL_BUDGET)
    run = run_suite(tmp_path, target=target, timeout=240)
    assert run.statuses["TRAV-NODUP-001"] == "fail", run.explain()
    # The looped walk lists page 1's influencers again: the repeat is the evidence.
    evidence = " ".join(e["message"] for e in requirement(run, "TRAV-NODUP-001")["evidence"])
    assert "already on page 1" in evidence
    assert not fails_without_an_answer(run)


def test_standard_passes_a_large_project_and_says_what_it_compared(tmp_path):
    """The embedded reference with 20,000 influencers: standard passes within its default
    budget, reads the whole list once at limit 100 and says how much of it each page size
    compared."""
    run = run_suite(tmp_path, "--reference-size", str(LARGE), timeout=300)
    assert run.report["verdict"] == "pass", run.explain()
    assert set(run.statuses.values()) == {"pass"}, run.explain()
    assert run.report["requests"] <= run.report["budget"]["requests"] == 2000
    compared = run.reasons["TRAV-CONSISTENT-001"]
    assert f"all {LARGE:,} influencers at limit 100" in compared
    at_limit_1 = plan_run(PROFILES["standard"], 2000).walk(1, None).reach
    assert f"the first {at_limit_1} of {LARGE:,} influencers at limit 1" in compared
    assert "items read on 50 of 200 pages" in run.reasons["SHAPE-ITEM-TYPES-001"]


# Ordering, traversal (at page edges and at the end), archived and status faults.
LARGE_SAMPLE = (
    "oldest_first",
    "tie_skipped_at_boundary",
    "previous_last_repeated",
    "empty_string_cursor_at_end",
    "archived_leak_after_first_page",
    "status_lost_after_cursor",
)


@pytest.mark.parametrize("name", LARGE_SAMPLE)
def test_faults_are_still_caught_on_a_large_project(tmp_path, name):
    """At 20,000 influencers every requirement the fault declares is still reported broken."""
    run = run_suite(
        tmp_path, "--reference-fault", name, "--reference-size", str(LARGE), timeout=300
    )
    missed = [i for i in FAULTS[name].breaks if run.statuses[i] not in ("fail", "warn")]
    assert not missed, run.explain()
    assert not fails_without_an_answer(run)
