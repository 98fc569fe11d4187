"""Production gateways in front of the reference: rate limits, load shedding, a flaky balancer.

Each mode is what a conformant server looks like behind a real API gateway; the suite must
pass it with no rate configured. A mode is named `MODE` or `MODE:RPS` (`rate-429:10`); the
rate is the gateway's, by its own clock, over a sliding window of one second.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_RPS", "GATEWAYS", "Gateway", "describe", "gateway", "parse_gateway"]

DEFAULT_RPS = 10.0
LB_EVERY = 25  # the load balancer's 502 page answers one request in this many
WINDOW_S = 1.0

GATEWAYS = {
    "rate-429": "over RPS requests in any second: 429, no Retry-After, no rate headers",
    "ratelimit-headers": "rate-429, and every answer carries RateLimit and RateLimit-Policy",
    "x-ratelimit": "rate-429, and every answer carries X-RateLimit-Limit/Remaining/Reset",
    "shed-503": "over RPS requests in any second: 503 (every other one with Retry-After: 1)",
    "lb-502": f"every {LB_EVERY}th request: a load balancer's 502 HTML page",
    "refuse-429": "429 to every request, no Retry-After",
}

LB_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Gateway:
    """One gateway mode and its rate."""

    mode: str
    rps: float = DEFAULT_RPS

    def __str__(self) -> str:
        return f"{self.mode}:{self.rps:g}"


def parse_gateway(spec: str) -> Gateway:
    """`MODE` or `MODE:RPS` as a Gateway; a ValueError names what is wrong."""
    mode, _, rate = spec.partition(":")
    if mode not in GATEWAYS:
        raise ValueError(f"unknown gateway mode {mode!r} (one of {', '.join(GATEWAYS)})")
    try:
        rps = float(rate) if rate else DEFAULT_RPS
    except ValueError:
        raise ValueError(f"gateway rate {rate!r} is not a number") from None
    if not (math.isfinite(rps) and rps > 0):
        raise ValueError(f"gateway rate {rate!r} must be a positive number")
    return Gateway(mode, rps)


def describe() -> str:
    """One line per gateway mode."""
    return "\n".join(f"{mode:20} {what}" for mode, what in GATEWAYS.items())


def gateway(app: ASGIApp, chosen: Gateway, clock: Callable[[], float] = time.monotonic) -> ASGIApp:
    """`app` behind the chosen gateway."""
    return _Front(app, chosen, clock)


class _Front:
    """The gateway: admits a request to `app`, or answers in its place."""

    def __init__(self, app: ASGIApp, chosen: Gateway, clock: Callable[[], float]) -> None:
        self.app, self.chosen, self.clock = app, chosen, clock
        self.admitted: deque[float] = deque()  # when each request of the window was let in
        self.received = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.received += 1
        mode = self.chosen.mode
        if mode == "refuse-429":
            await _answer(send, 429, _json("API rate limit exceeded"), [])
        elif mode == "lb-502" and self.received % LB_EVERY == 0:
            await _answer(send, 502, LB_PAGE, [(b"content-type", b"text/html")])
        elif mode == "lb-502" or self._admit():
            await self.app(scope, receive, self._with_headers(send))
        else:
            await self._refuse(send)

    def _admit(self) -> bool:
        now = self.clock()
        while self.admitted and self.admitted[0] <= now - WINDOW_S:
            self.admitted.popleft()
        if len(self.admitted) >= self.chosen.rps:
            return False
        self.admitted.append(now)
        return True

    async def _refuse(self, send: Send) -> None:
        self.refused += 1
        if self.chosen.mode != "shed-503":
            await _answer(send, 429, _json("API rate limit exceeded"), self._rate_headers())
            return
        later = [(b"retry-after", b"1")] if self.refused % 2 else []
        await _answer(send, 503, _json("Service temporarily unavailable"), later)

    def _with_headers(self, send: Send) -> Send:
        async def sent(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *self._rate_headers()]
                message = {**message, "headers": headers}
            await send(message)

        return sent

    def _rate_headers(self) -> Headers:
        """The rate headers of this mode: what is left of the window, and when it resets."""
        now = self.clock()
        limit = int(self.chosen.rps)
        remaining = max(0, limit - len(self.admitted))
        reset_s = self.admitted[0] + WINDOW_S - now if self.admitted else 0.0
        reset = max(1, math.ceil(reset_s)) if remaining == 0 else math.ceil(max(0.0, reset_s))
        if self.chosen.mode == "ratelimit-headers":
            return [
                (b"ratelimit", f"limit={limit}, remaining={remaining}, reset={reset}".encode()),
                (b"ratelimit-policy", f"{limit};w={WINDOW_S:g}".encode()),
            ]
        if self.chosen.mode == "x-ratelimit":
            epoch = math.ceil(time.time() + reset_s)  # GitHub's way: the reset as a Unix time
            return [
                (b"x-ratelimit-limit", str(limit).encode()),
                (b"x-ratelimit-remaining", str(remaining).encode()),
                (b"x-ratelimit-reset", str(epoch).encode()),
            ]
        return []


def _json(message: str) -> bytes:
    return b'{"message": "' + message.encode() + b'"}'


async def _answer(send: Send, status: int, body: bytes, headers: Headers) -> None:
    raw = [(b"content-type", b"application/json"), *headers]
    if any(name == b"content-type" for name, _ in headers):
        raw = headers
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
