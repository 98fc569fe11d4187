"""Concurrency changes the order on the wire, and nothing else: not the requests sent, not a
verdict, not the rate the target asked for. Measured by what the server saw."""

from __future__ import annotations

import itertools
from collections import Counter

from harness import Seen, paced, run_suite


def sent(seen: list[Seen]) -> Counter[tuple[str, str]]:
    return Counter((s.path, s.query) for s in seen)


def verdicts(report):
    return {r["id"]: (r["status"], r["reason"]) for r in report["requirements"]}


def test_the_same_seed_sends_the_same_requests_and_decides_the_same(tmp_path, targets):
    """At concurrency 1 and 8, one seed gives the same requests and the same report,
    timings aside."""
    runs = []
    for concurrency in ("1", "8"):
        target = targets.start()
        (tmp_path / concurrency).mkdir()
        run = run_suite(tmp_path / concurrency, "--concurrency", concurrency, target=target)
        assert run.code == 0, run.explain()
        runs.append((run, sent(target.seen)))
    (one, one_sent), (eight, eight_sent) = runs
    assert one_sent == eight_sent
    assert one.report["requests"] == eight.report["requests"] == sum(one_sent.values())
    assert verdicts(one.report) == verdicts(eight.report)


RATE = 5
BUDGET = 30


def test_a_rate_limit_holds_at_any_concurrency(tmp_path, targets):
    """With `rate_limit_rps: 5` and --concurrency 8, requests reach the server 1/5 s apart:
    the run's requests take (n - 1) / 5 s, give or take a second."""
    target = targets.start(rate_limit_rps=RATE, request_budget=BUDGET)
    run = run_suite(tmp_path, "--concurrency", "8", target=target)
    seen = target.seen
    assert len(seen) == BUDGET, run.explain()
    assert paced(seen, RATE) == []
    span = seen[-1].at - seen[0].at
    assert abs(span - (len(seen) - 1) / RATE) <= 1, [
        round(b.at - a.at, 3) for a, b in itertools.pairwise(seen)
    ]


def _arrivals(*at: float) -> list[Seen]:
    return [Seen("GET", "/", "", {}, when) for when in at]


def test_the_pacing_check_allows_a_late_arrival_and_catches_a_fast_client():
    """The check above is real: three requests handled in 60 ms after a stall pass; an
    unpaced smoke run (18 requests in 0.2 s at a limit of 20/s) and a client at twice the
    rate (30 requests 0.1 s apart at 5/s) fail."""
    stalled = [n / RATE for n in range(10)]
    stalled[4:7] = [1.0, 1.03, 1.06]
    assert paced(_arrivals(*stalled), RATE) == []
    assert paced(_arrivals(*(n * 0.2 / 18 for n in range(18))), 20)
    assert paced(_arrivals(*(n * 0.1 for n in range(30))), RATE)
