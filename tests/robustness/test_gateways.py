"""Behind a production gateway a conformant server still passes, with no rate configured.

The gateways are `reference/gateway.py`'s modes, in front of the reference: rate limits
that answer 429 without Retry-After (with `RateLimit` headers, `X-RateLimit-*` headers or
none), load shedding with 503, a load balancer's occasional 502 page, and a gateway that
refuses everything. Every count and time is the server's (a `Recording` in front).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from harness import Recording, dataset, run_suite, serve, targets_entry, write_targets

from layers_conformance.reference import reference_app
from layers_conformance.reference.gateway import gateway, parse_gateway

# Fast enough for a self-test, slow enough that the suite, unpaced, meets the limit at once.
RPS = 25
MODES = [f"rate-429:{RPS}", f"ratelimit-headers:{RPS}", f"x-ratelimit:{RPS}", "shed-503:25"]
MODES += ["lb-502"]
DEADLINE_S = 5
AFTER_DEADLINE_S = 10  # the run ends within this of its deadline, reports written
DELIVERY_SLACK_S = 1


def behind(tmp_path, mode: str, *, inside: Recording | None = None):
    """The reference behind `mode`, recorded in front of the gateway (what reached the
    gateway) and, given `inside`, behind it too (what reached the server)."""
    data = dataset()
    app = inside if inside is not None else reference_app(data)
    outside = Recording(gateway(app, parse_gateway(mode)))
    return data, outside


@pytest.mark.parametrize("mode", MODES)
def test_each_gateway_passes_standard_with_no_rate_configured(tmp_path, mode):
    """A conformant server behind the gateway passes `standard`: what the gateway refused
    or shed is waited out and sent again, never a finding, and the run is complete."""
    data, outside = behind(tmp_path, mode)
    with serve(outside) as served:
        targets = write_targets(
            tmp_path / "targets.yaml", "t", targets_entry(served.base_url, data.fixtures)
        )
        run = run_suite(tmp_path, "--targets-file", str(targets), "--target", "t", name="t")
    assert run.report["aborted"] == "", run.explain()
    assert [i for i, s in run.statuses.items() if s in ("fail", "inconclusive")] == [], run.reasons
    assert run.code == 0, run.explain()
    traffic = run.report["traffic"]
    retried = sum(traffic["retries"].values())
    # Every try the gateway saw is counted; a try counted as closed before any answer may
    # never have reached it (a keep-alive connection it had let go during a long wait).
    tries, closed = run.report["requests"] + retried, traffic["retries"].get("closed", 0)
    assert tries - closed <= len(outside.seen) <= tries, traffic
    if mode.startswith("ratelimit-headers"):
        # Told the rate and what is left, it slows before the 429: at most the first burst.
        assert traffic["retries"].get("429", 0) <= 8, traffic
    elif not mode.startswith("x-ratelimit"):
        assert retried > 0, traffic
        assert "sent again" in run.stdout, run.explain()
    if mode.startswith(("rate-429", "shed-503")):
        assert 0 < traffic["suggested_rate_limit_rps"] < RPS, traffic


def test_the_same_seed_sends_and_judges_the_same_whether_or_not_the_gateway_waits(tmp_path):
    """Seed 1 behind a gateway that refuses and sheds: the server behind it sees exactly the
    requests of seed 1 with no gateway, and every requirement gets the same status."""
    for run in ("plain", "gated"):
        (tmp_path / run).mkdir()
    plain = Recording(reference_app(dataset()))
    with serve(plain) as served:
        entry = targets_entry(served.base_url, dataset().fixtures)
        targets = write_targets(tmp_path / "plain.yaml", "t", entry)
        alone = run_suite(
            tmp_path / "plain", "--targets-file", str(targets), "--target", "t", name="t"
        )
    inside = Recording(reference_app(dataset()))
    _, outside = behind(tmp_path, f"rate-429:{RPS}", inside=inside)
    with serve(outside) as served:
        entry = targets_entry(served.base_url, dataset().fixtures)
        targets = write_targets(tmp_path / "gated.yaml", "t", entry)
        gated = run_suite(
            tmp_path / "gated", "--targets-file", str(targets), "--target", "t", name="t"
        )
    assert len(outside.seen) > len(inside.seen), "the gateway never refused: nothing was shown"
    sent = Counter((s.path, s.query) for s in plain.seen)
    assert Counter((s.path, s.query) for s in inside.seen) == sent
    assert gated.statuses == alone.statuses


def test_a_gateway_refusing_everything_ends_the_run_at_its_deadline(tmp_path):
    """429 to every request, no Retry-After, `--deadline 5`: the suite backs off until the
    deadline, then stops: ended within the deadline + 10 s of its first request, nothing
    sent after the deadline, no requirement fails, the reports are written and say why."""
    data, outside = behind(tmp_path, "refuse-429")
    with serve(outside) as served:
        targets = write_targets(
            tmp_path / "targets.yaml", "t", targets_entry(served.base_url, data.fixtures)
        )
        deadline = ("--deadline", str(DEADLINE_S))
        run = run_suite(
            tmp_path, "--targets-file", str(targets), "--target", "t", *deadline, name="t",
            timeout=120,
        )  # fmt: skip
        ended = time.monotonic()
    first, last = outside.seen[0].at, outside.seen[-1].at
    assert last - first <= DEADLINE_S + DELIVERY_SLACK_S, run.explain()
    assert ended - first <= DEADLINE_S + AFTER_DEADLINE_S, run.explain()
    assert "fail" not in run.statuses.values(), run.reasons
    assert "rate limited" in run.report["aborted"], run.report["aborted"]
    # Incomplete, never fail: refusals are no evidence; exit 1 all the same, as it has not
    # shown conformance.
    assert (run.report["verdict"], run.code) == ("incomplete", 1), run.explain()
    assert (run.report_dir / "index.html").is_file()
    assert (run.report_dir / "exchanges.har").is_file()
