"""A run is safe to point at production: read-only, small, paced, within budget and time.

Every count and timestamp here is what the server saw (a `Recording` around the reference),
not what the suite says it did.
"""

from __future__ import annotations

import pytest
from harness import Seen, paced, respond, run_suite

from layers_conformance.reference.faults import HOSTILE

SMOKE_BUDGET = 60


def test_smoke_sends_only_gets_and_at_most_60(tmp_path, targets):
    """The smoke profile sends nothing but GETs of the endpoint, at most 60 of them."""
    target = targets.start()
    run = run_suite(tmp_path, "--profile", "smoke", target=target)
    assert 0 < len(target.seen) <= SMOKE_BUDGET
    assert {s.method for s in target.seen} == {"GET"}
    assert all(s.path.endswith("/influencers") for s in target.seen)
    assert run.report["requests"] == len(target.seen)
    assert run.code == 0, run.explain()


def test_command_line_rate_limit_is_never_exceeded(tmp_path, targets):
    """With --rate-limit 20, no two requests reach the server closer than 1/20 s apart."""
    target = targets.start()
    run = run_suite(tmp_path, "--profile", "smoke", "--rate-limit", "20", target=target)
    assert run.code == 0, run.explain()
    assert len(target.seen) > 10
    assert paced(target.seen, 20) == []


def test_targets_rate_limit_is_never_exceeded(tmp_path, targets):
    """`rate_limit_rps: 20` in the targets entry paces the run just the same."""
    target = targets.start(rate_limit_rps=20)
    run = run_suite(tmp_path, "--profile", "smoke", target=target)
    assert run.code == 0, run.explain()
    assert len(target.seen) > 10
    assert paced(target.seen, 20) == []


def test_request_budget_is_never_exceeded_and_the_rest_is_inconclusive(tmp_path, targets):
    """`request_budget: 30` caps a standard run at 30 requests; what could not finish is
    reported inconclusive (never pass), no requirement fails, and the run as a whole,
    being incomplete, does not pass."""
    target = targets.start(request_budget=30)
    run = run_suite(tmp_path, "--profile", "standard", target=target)
    assert len(target.seen) <= 30
    assert run.report["requests"] <= 30
    report = run.report["requirements"]
    starved = [r for r in report if "budget" in r["reason"]]
    assert starved, run.explain()
    assert all(r["status"] == "inconclusive" for r in starved)
    assert not [r["id"] for r in report if r["status"] == "fail"]
    # A run its budget cut short has not shown conformance: it never passes, nor fails.
    assert (run.report["verdict"], run.code) == ("incomplete", 1)
    assert "budget" in run.report["aborted"]


def test_a_429_with_retry_after_is_honoured(tmp_path, targets):
    """A 429 with `Retry-After: 1` delays the retry by at least that second."""
    busy = respond(429, {"error": {"code": "RATE_LIMITED"}}, {"retry-after": "1"})
    target = targets.start(answer=lambda number, _seen: busy if number == 1 else None)
    run = run_suite(tmp_path, "--profile", "smoke", target=target)
    assert run.code == 0, run.explain()
    first, second = target.seen[:2]
    assert (first.path, first.query) == (second.path, second.query)  # the same request again
    assert second.at - first.at >= 0.95


DEADLINE_S = 2
# The deadline's clock starts before the first request is sent, and none is sent after it:
# so, by the server's clock, the last request arrives within the deadline of the first, give
# or take one request's delivery on a loaded machine.
DELIVERY_SLACK_S = 1


@pytest.mark.parametrize("concurrency", ["1", "8"])
def test_deadline_ends_a_run_against_a_slow_server(tmp_path, targets, concurrency):
    """--deadline 2 against cursor pages answered in 1.5 s: at any concurrency no request
    reaches the server after the deadline, the run ends on its own, and what it could not
    reach is inconclusive, not pass."""
    target = targets.start(HOSTILE["slow_pages"])
    run = run_suite(
        tmp_path, "--deadline", str(DEADLINE_S), "--concurrency", concurrency, target=target,
        timeout=120,
    )  # fmt: skip
    first, last = target.seen[0], target.seen[-1]
    assert last.at - first.at <= DEADLINE_S + DELIVERY_SLACK_S, run.explain()
    statuses = run.statuses
    late = [i for i, reason in run.reasons.items() if "deadline" in reason]
    assert late
    assert all(statuses[i] == "inconclusive" for i in late)


def most_in_one_second(seen: list[Seen]) -> int:
    return max(sum(1 for s in seen if a.at <= s.at < a.at + 1) for a in seen)


def test_rate_limit_holds_for_the_whole_run_across_xdist_workers(tmp_path, targets):
    """With `-n 2`, --rate-limit 50 is the run's rate, not each worker's: no second of
    the run sees more than 50 requests (plus one per worker at the window's edge)."""
    # The plan sizes each worker's walks to its half of the budget: 400 leaves > 100 to see.
    target = targets.start(request_budget=400)
    run = run_suite(tmp_path, "-n", "2", "--rate-limit", "50", target=target)
    assert len(target.seen) > 100, run.explain()
    busiest = most_in_one_second(target.seen)
    assert busiest <= 50 + 2
