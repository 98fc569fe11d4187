"""Every run is bounded in time and memory, whatever the server sends below HTTP's rules.

The servers here sabotage the requests that carry a cursor (so each run has done real work
before it meets them): an endless header block, an endless flood of `100 Continue`, an
endless gzip body that inflates to nothing, and gzip bombs. Times are the design's bounds
measured by the server's clock (from the first request it saw to the end of the process),
never this machine's speed; memory is the pytest process's own peak (wait4's ru_maxrss).
"""

from __future__ import annotations

import time

import pytest
from harness import RawServer, Run, drip, gzip, gzip_of_zeros, rewrite_bodies, run_suite

DEADLINE_S = 5
# The client hangs up on an endless answer when the run's deadline passes: by the server's
# clock, within the deadline of the first request, give or take one delivery on a loaded
# machine. What follows the deadline is no waiting, only writing the reports.
DELIVERY_SLACK_S = 2
AFTER_DEADLINE_S = 10
PEAK_RSS_MB = 600


def status_line_then(pieces: bytes, every_s: float, head: bytes = b"HTTP/1.1 200 OK\r\n"):
    """A sabotage that sends `head`, then `pieces` every `every_s` seconds, for ever."""
    return drip(lambda number: pieces if number else head + pieces, every_s)


# Slow enough that no size limit of the HTTP parser ever trips: only a clock can end them.
ENDLESS = {
    "endless_headers": status_line_then(b"X-Pad: more\r\n", 0.2),
    "continue_flood": drip(lambda _n: b"HTTP/1.1 100 Continue\r\n\r\n", 0.02),
    # A gzip header, then empty deflate blocks for ever: bytes keep coming, nothing decodes.
    "endless_gzip": status_line_then(
        b"5\r\n\x00\x00\x00\xff\xff\r\n",
        0.05,
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
        b"a\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\r\n",
    ),
}


def on_cursor_requests(behaviour):
    """Sabotage the requests that carry a cursor; relay every other one."""
    return lambda _number, head: behaviour if b"cursor=" in head.split(b"\r\n")[0] else None


def assert_ended_by_the_deadline(run: Run, raw: RawServer, ended: float) -> None:
    first = raw.seen[0]
    for _ in range(20):  # a dripping handler notices the hang-up at its next send
        if len(raw.hung_up) == raw.sabotaged:
            break
        time.sleep(0.1)
    assert raw.sabotaged, run.explain()
    assert len(raw.hung_up) == raw.sabotaged, run.explain()
    assert max(raw.hung_up) - first <= DEADLINE_S + DELIVERY_SLACK_S, run.explain()
    assert max(raw.seen) - first <= DEADLINE_S + DELIVERY_SLACK_S  # nothing sent after it
    assert ended - first <= DEADLINE_S + AFTER_DEADLINE_S, run.explain()
    assert "Traceback" not in run.output, run.explain()
    assert "deadline" in run.report["aborted"], run.explain()
    assert "fail" not in run.statuses.values(), run.statuses
    assert (run.report["verdict"], run.code) == ("incomplete", 1), run.explain()


@pytest.mark.parametrize("profile", ["smoke", "standard", "thorough"])
@pytest.mark.parametrize("behaviour", sorted(ENDLESS))
def test_every_profile_ends_by_its_deadline(tmp_path, targets, behaviour, profile):
    """--deadline 5 holds against a server that never finishes an answer: the run ends
    within 10 s of its deadline, writes its reports, says it was cut short, and blames
    no requirement for what it could not read."""
    target = targets.start(sabotage=on_cursor_requests(ENDLESS[behaviour]))
    run = run_suite(
        tmp_path, "--profile", profile, "--deadline", str(DEADLINE_S), target=target, timeout=90
    )
    assert target.raw is not None
    assert_ended_by_the_deadline(run, target.raw, time.monotonic())


BOMB_MB = 1024
BOMBS = {
    # 1 MB on the wire, 1 GiB inflated.
    "gzip": lambda: gzip_of_zeros(BOMB_MB),
    # Under 2 KB on the wire: the inner 1 MB inflates to 1 GiB in one step.
    "gzip, gzip": lambda: gzip(gzip_of_zeros(BOMB_MB)),
}


def pages_replaced_by(bomb: bytes):
    """Every page the reference answers with 200 is sent as `bomb` instead."""
    return lambda seen, status, body: bomb if status == 200 else body


@pytest.mark.parametrize("encoding", sorted(BOMBS))
def test_a_gzip_bomb_stays_under_600_mb(tmp_path, targets, encoding):
    """Pages that inflate to 1 GiB: the process peaks under 600 MB, nothing crashes, and
    what could not be read is held against no requirement."""
    change = pages_replaced_by(BOMBS[encoding]())
    bombs = {"content-encoding": encoding}
    target = targets.start(wrap=lambda app: rewrite_bodies(app, change, bombs))
    run = run_suite(tmp_path, "--profile", "smoke", target=target, timeout=120)
    assert run.peak_rss_mb < PEAK_RSS_MB, f"{run.peak_rss_mb:.0f} MB\n{run.explain()}"
    assert "Traceback" not in run.output, run.explain()
    assert "MemoryError" not in run.output
    reasons = " ".join(run.reasons.values())
    assert "5,000,000 bytes" in reasons or "content encoding" in reasons, run.reasons
    assert "fail" not in run.statuses.values(), run.reasons  # an unread answer is no evidence
    assert run.report["verdict"] == "incomplete"  # ... and a run that could not read is so
