"""How fast the client sends: the configured rate, what the target says, and what it refuses.

One `Pace` is shared by every thread that sends (the client calls it under its lock). It
grants each request a send slot. Its interval is the widest of: the configured
`rate_limit_rps` (the upper bound, always), the rate the target's headers announce
(`RateLimit-Policy`), and a rate learned from refusals (additive increase, multiplicative
decrease): unbounded until the target first refuses (a 429, or a 503 shedding load), then
cut to a fraction of what the target let through in the second before the refusal, and
raised a little for every answer after. A `Retry-After`, or rate headers saying nothing is
left, hold every sender until the time they name.
"""

from __future__ import annotations

import math
import random
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["Pace", "Quota", "backoff_s", "read_quota", "retry_after"]

WINDOW_S = 1.0  # a refusal's rate is what the target let through in this long before it
DECREASE = 0.9  # after a refusal: this fraction of that rate
INCREASE_RPS_PER_S = 0.2  # then about this much faster for every second of answers
MIN_RPS = 0.2
HEADROOM = 0.9  # of a rate the target announces, the share the suite uses
HOLD_CAP_S = 30.0  # a quota's reset is waited at most this long (a Retry-After in full)
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
EPOCH_AFTER = 1e9  # an X-RateLimit-Reset this large is a Unix time, not seconds to wait


@dataclass(frozen=True)
class Quota:
    """What a target's rate headers say: requests left in its window, seconds until the
    window resets, and the rate of its policy (None where a header does not say)."""

    remaining: float | None = None
    reset_s: float | None = None
    policy_rps: float | None = None


class Pace:
    """Send slots within the configured rate, the target's announced rate and its refusals."""

    def __init__(self, configured_rps: float | None, clock: Callable[[], float]) -> None:
        self.configured_rps = configured_rps
        self.learned_rps: float | None = None  # from refusals; None until the first
        self.announced_rps: float | None = None  # from a RateLimit-Policy header
        self.refused_at_rps: float | None = None  # the lowest rate the target refused at
        self._clock = clock
        self._next_slot: float | None = None
        self._hold_until = -math.inf
        self._last_cut = -math.inf
        self._sent: deque[float] = deque()  # send times in the last window
        self._refused: deque[float] = deque()  # send times of the refused ones among them

    def slot(self) -> float:
        """When the next request may leave; the slot is taken."""
        now = self._clock()
        slot = max(now, self._hold_until, -math.inf if self._next_slot is None else self._next_slot)
        rate = self.rps
        self._next_slot = slot if rate is None else slot + 1 / rate
        return slot

    @property
    def rps(self) -> float | None:
        """The rate requests leave at now; None: as fast as they come."""
        rates = [r for r in (self.configured_rps, self.learned_rps, self.announced_rps) if r]
        return min(rates) if rates else None

    def sent(self, at: float) -> None:
        """A request left at `at`; those older than a refusal can look back are let go, so
        that a run that is never refused does not keep every send time it ever had."""
        self._forget(at - 2 * WINDOW_S)
        self._sent.append(at)

    def answered(self, quota: Quota | None) -> None:
        """An answer the target did not refuse: a little faster, as its headers allow."""
        if self.learned_rps is not None:
            self.learned_rps += INCREASE_RPS_PER_S / self.learned_rps
        if quota is not None:
            self.heed(quota)

    def refused(self, sent_at: float, quota: Quota | None) -> None:
        """The request sent at `sent_at` was refused (429) or shed (503): slower, once per
        window however many refusals it brings."""
        now = self._clock()
        self._forget(now - 2 * WINDOW_S)
        self._refused.append(sent_at)
        if quota is not None:
            self.heed(quota)
        if now - self._last_cut < WINDOW_S:
            return
        self._last_cut = now
        let_through = sum(sent_at - WINDOW_S <= t < sent_at for t in self._sent)
        let_through -= sum(sent_at - WINDOW_S <= t < sent_at for t in self._refused)
        rate = max(let_through / WINDOW_S, MIN_RPS)
        self.refused_at_rps = min(rate, self.refused_at_rps or math.inf)
        current = self.rps or math.inf
        self.learned_rps = max(MIN_RPS, DECREASE * min(rate, current))

    def heed(self, quota: Quota) -> None:
        """What rate headers say: the policy's rate, and a hold when nothing is left."""
        if quota.policy_rps is not None:
            self.announced_rps = max(MIN_RPS, HEADROOM * quota.policy_rps)
        if quota.remaining is not None and quota.remaining < 1 and quota.reset_s is not None:
            self.hold(min(quota.reset_s, HOLD_CAP_S))

    def hold(self, seconds: float) -> None:
        """No request leaves, from any thread, for `seconds` (a Retry-After, a spent quota)."""
        self._hold_until = max(self._hold_until, self._clock() + seconds)

    @property
    def suggested_rps(self) -> float | None:
        """The `rate_limit_rps` that would have kept the target from refusing; None when it
        never refused."""
        if self.refused_at_rps is None:
            return None
        known = [r for r in (self.refused_at_rps, self.announced_rps) if r]
        return max(MIN_RPS, math.floor(HEADROOM * min(known) * 10) / 10)

    def _forget(self, before: float) -> None:
        for times in (self._sent, self._refused):
            while times and times[0] < before:
                times.popleft()


def backoff_s(attempt: int, jitter: random.Random) -> float:
    """The wait before retry `attempt` (0, 1, ...) when the target says nothing: exponential,
    capped, with jitter so that refused senders do not come back together."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0**attempt)
    return ceiling * jitter.uniform(0.5, 1.0)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` header asks for (a number or an HTTP-date), None if absent
    or unreadable."""
    value = headers.get("retry-after", "").strip()
    if value.isascii() and value.isdigit():  # not str.isdigit alone: '²' is a digit to it
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_NUMBER = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")
_PARAM = re.compile(r"([A-Za-z-]+)\s*=\s*([0-9]{1,12}(?:\.[0-9]{1,6})?)")


def read_quota(headers: Mapping[str, str]) -> Quota | None:
    """The rate headers of an answer, whichever convention they follow; None without any.

    `RateLimit: limit=10, remaining=3, reset=1` and `RateLimit-Policy: 10;w=1` (the IETF
    httpapi draft up to -07), `RateLimit: "default";r=3;t=1` and `RateLimit-Policy:
    "default";q=10;w=1` (its later drafts), `RateLimit-Remaining`/`-Reset` (its first
    drafts), and `X-RateLimit-Remaining`/`-Reset` (a delta in seconds, or a Unix time).
    A value that is not a plain number is ignored.
    """
    fields = _fields(headers.get("ratelimit", ""))
    remaining = fields.get("remaining", fields.get("r"))
    reset = fields.get("reset", fields.get("t"))
    for prefix in ("ratelimit-", "x-ratelimit-"):
        remaining = remaining if remaining is not None else _number(headers, prefix + "remaining")
        reset = reset if reset is not None else _number(headers, prefix + "reset")
    if reset is not None and reset > EPOCH_AFTER:
        reset = max(0.0, reset - datetime.now(UTC).timestamp())
    policy = _policy_rps(headers.get("ratelimit-policy", ""))
    if remaining is None and reset is None and policy is None:
        return None
    return Quota(remaining, reset, policy)


def _fields(value: str) -> dict[str, float]:
    return {name.lower(): float(number) for name, number in _PARAM.findall(value)}


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name, "").strip()
    return float(value) if _NUMBER.fullmatch(value) else None


def _policy_rps(value: str) -> float | None:
    """The slowest rate of a `RateLimit-Policy` (`10;w=1, 600;w=60` or `"p";q=10;w=1`)."""
    rates = []
    for item in value.split(","):
        quota = _NUMBER.match(item.strip())
        fields = _fields(item)
        count = float(quota.group()) if quota else fields.get("q")
        window = fields.get("w")
        if count is not None and window:
            rates.append(count / window)
    return min(rates) if rates else None
