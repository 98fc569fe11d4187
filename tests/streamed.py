"""Answers of an `httpx.MockTransport` as a network transport gives them: a stream.

An in-memory `httpx.Response` has been read already, and the client reads raw bytes from
the stream (it inflates them itself, bounded); so a mock's answers are handed over as one.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


def streamed(handler: Handler) -> Handler:
    """`handler`, its answers given as a stream."""

    def stream(request: httpx.Request) -> httpx.Response:
        reply = handler(request)
        if not reply.is_stream_consumed:
            return reply
        raw = httpx.ByteStream(reply.content)
        return httpx.Response(reply.status_code, headers=reply.headers, stream=raw)

    return stream
