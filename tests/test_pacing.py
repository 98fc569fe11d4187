"""The pace: configured rate as the bound, what the target's headers say, what it refuses."""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime

import pytest

from layers_conformance.probing.pacing import (
    MIN_RPS,
    Pace,
    Quota,
    backoff_s,
    read_quota,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestReadQuota:
    @pytest.mark.parametrize(
        ("headers", "quota"),
        [
            (
                {"ratelimit": "limit=10, remaining=3, reset=1", "ratelimit-policy": "10;w=1"},
                Quota(3, 1, 10),
            ),
            (
                {"ratelimit": '"default";r=0;t=7', "ratelimit-policy": '"default";q=600;w=60'},
                Quota(0, 7, 10),
            ),
            ({"ratelimit-policy": "600;w=60, 10;w=2"}, Quota(None, None, 5)),
            ({"ratelimit-remaining": "4", "ratelimit-reset": "2"}, Quota(4, 2, None)),
            ({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3"},
             Quota(0, 3, None)),
            ({"x-ratelimit-remaining": "²", "x-ratelimit-reset": "soon"}, None),
            ({"content-type": "application/json"}, None),
        ],
        ids=["draft-07", "draft-08", "two-policies", "draft-03", "x-delta", "unreadable", "none"],
    )  # fmt: skip
    def test_every_convention(self, headers, quota):
        """Each convention's remaining, reset and policy rate; what is not a number, nothing."""
        assert read_quota(headers) == quota

    def test_a_unix_time_reset_is_seconds_from_now(self):
        """`X-RateLimit-Reset` as a Unix time (GitHub's way) is read as the seconds left."""
        at = datetime.now(UTC).timestamp() + 30
        quota = read_quota({"x-ratelimit-remaining": "0", "x-ratelimit-reset": f"{at:.0f}"})
        assert quota is not None
        assert quota.reset_s == pytest.approx(30, abs=2)


class TestPace:
    def test_unbounded_until_told_then_the_configured_rate_is_the_bound(self):
        """No rate configured and no refusal: requests leave as they come; configured, never
        faster than it, whatever the target announces."""
        clock = Clock()
        free = Pace(None, clock)
        assert [free.slot() for _ in range(3)] == [100.0] * 3
        bound = Pace(4, clock)
        bound.heed(Quota(policy_rps=100))
        assert [bound.slot() for _ in range(3)] == [100.0, 100.25, 100.5]

    def test_an_announced_policy_paces_below_it(self):
        """A `RateLimit-Policy` of 10 a second paces at 9."""
        pace = Pace(None, Clock())
        pace.heed(Quota(policy_rps=10))
        first, second = pace.slot(), pace.slot()
        assert second - first == pytest.approx(1 / 9)

    def test_a_spent_quota_holds_every_sender_until_its_reset(self):
        clock = Clock()
        pace = Pace(None, clock)
        pace.answered(Quota(remaining=0, reset_s=2))
        assert pace.slot() == 102.0

    def test_a_refusal_cuts_to_below_what_was_let_through(self):
        """Twenty requests let through in the second before a refusal: 18 a second after it,
        and one cut for a burst of refusals, not one each."""
        clock = Clock()
        pace = Pace(None, clock)
        for i in range(25):
            pace.sent(99.0 + i * 0.04)
        pace.refused(sent_at=99.0 + 20 * 0.04, quota=None)
        assert pace.rps == pytest.approx(0.9 * 20 / 1.0 * 1.0, rel=0.06)
        cut = pace.rps
        pace.refused(sent_at=99.0 + 21 * 0.04, quota=None)
        assert pace.rps == cut
        assert pace.suggested_rps == pytest.approx(18, abs=1)

    def test_answers_raise_the_rate_slowly_and_never_past_the_configured(self):
        clock = Clock()
        pace = Pace(10, clock)
        for i in range(30):
            pace.sent(99.0 + i * 0.03)
        pace.refused(sent_at=99.9, quota=None)
        low = pace.learned_rps
        assert low is not None
        for _ in range(10):
            pace.answered(None)
        assert pace.learned_rps is not None
        assert low < pace.learned_rps < low + 1
        assert pace.rps is not None
        assert pace.rps <= 10

    def test_never_below_the_floor(self):
        pace = Pace(None, Clock())
        pace.refused(sent_at=100.0, quota=None)
        assert pace.rps == MIN_RPS
        assert pace.suggested_rps == MIN_RPS

    def test_a_long_run_keeps_only_the_send_times_a_refusal_looks_back_on(self):
        """Memory flat in the length of a run (issue 23): ten thousand sends over a hundred
        seconds keep about two seconds of them, and a refusal then reads the last second."""
        clock = Clock()
        pace = Pace(None, clock)
        tracemalloc.start()
        try:
            for i in range(10_000):
                clock.now = 100.0 + i * 0.01
                pace.sent(clock.now)
            kept, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert kept < 40_000  # every send time kept: over 300,000 bytes
        pace.refused(sent_at=clock.now, quota=None)
        assert pace.rps == pytest.approx(0.9 * 100, rel=0.02)

    def test_no_suggestion_when_never_refused(self):
        pace = Pace(None, Clock())
        pace.answered(Quota(policy_rps=10))
        assert pace.suggested_rps is None


def test_backoff_doubles_with_jitter_up_to_a_cap():
    jitter = random.Random(7)
    for attempt in range(10):
        wait = backoff_s(attempt, jitter)
        ceiling = min(30.0, 0.5 * 2**attempt)
        assert ceiling / 2 <= wait <= ceiling
