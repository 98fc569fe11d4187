"""One request's bounds, over real sockets: what a mock transport cannot show.

Each server here reads the request's head and then misbehaves below HTTP's rules. A bound on
time is asserted as the design gives it (the request's deadline, plus slack for a loaded
machine), never as this machine's speed; a bound on memory as Python's own allocations.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

import pytest

from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import (
    Client,
    ClientSettings,
    Credentials,
    DeadlineExceeded,
    TargetUnreachable,
)
from layers_conformance.probing.transport import coding_problem, proxy_for

KEY = "lk_live_SECRET_0123456789"
PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
SLACK_S = 2.0  # one delivery on a loaded machine

Reply = Callable[[socket.socket, threading.Event], None]


@contextmanager
def raw_server(reply: Reply) -> Iterator[str]:
    """A server on 127.0.0.1 that reads each request's head, then lets `reply` misbehave."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                try:
                    connection.recv(65536)
                    reply(connection, stop)
                except OSError:
                    pass  # the client hung up, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"


def silent(_connection: socket.socket, stop: threading.Event) -> None:
    stop.wait(3)


def head_then_silent(connection: socket.socket, stop: threading.Event) -> None:
    connection.sendall(HEAD + b'{"items"')
    stop.wait(3)


def drip(connection: socket.socket, stop: threading.Event) -> None:
    connection.sendall(HEAD)
    while not stop.wait(0.05):
        connection.sendall(b" ")


def drop(connection: socket.socket, _stop: threading.Event) -> None:
    connection.sendall(HEAD + b'{"items"')


def real_client(base_url: str, **settings) -> Client:
    return Client(
        base_url, Credentials("bearer", Secret(KEY)), ClientSettings(**{"budget": 10, **settings})
    )


@pytest.mark.parametrize(("reply", "status"), [(silent, None), (head_then_silent, 200)])
def test_read_timeout_is_recorded(reply, status):
    """A server that stops talking gives an exchange with the error, not an exception."""
    with raw_server(reply) as url, real_client(url, read_timeout_s=0.2) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error) == (status, "read timed out after 0.2 s")
    assert not exchange.answered  # no whole answer: no evidence either way
    assert client.requests_sent == 1


def test_dripping_body_hits_the_request_deadline():
    """Bytes that keep trickling in do not hold the test past the request deadline."""
    started = time.monotonic()
    with raw_server(drip) as url, real_client(url, request_deadline_s=0.3) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error) == (200, "no complete answer within 0.3 s")
    assert not exchange.answered
    assert time.monotonic() - started < 0.3 + SLACK_S


def test_dropped_connection_is_recorded():
    """A connection closed mid-body gives what arrived and says how much did."""
    with raw_server(drop) as url, real_client(url) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error) == (200, "body cut after 8 bytes")
    assert exchange.body_text == '{"items"'
    assert not exchange.answered


def test_refused_connection_raises_fast():
    """A port nobody listens on fails in one line after the retries, without waiting long."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    started = time.monotonic()
    client = real_client(url, max_retry_wait_s=0.01)
    with client, pytest.raises(TargetUnreachable) as caught:
        client.list_influencers(PROJECT)
    assert str(caught.value) == f"cannot reach {url}: connection refused"
    assert client.requests_sent == 1  # tried three times: its retries take no budget
    assert time.monotonic() - started < 2 * 0.01 + SLACK_S  # two waits between three tries


def forever(first: bytes, again: bytes, every_s: float) -> Reply:
    """Send `first`, then `again` every `every_s` seconds until the test ends."""

    def reply(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(first)
        while not stop.wait(every_s):
            connection.sendall(again)

    return reply


GZIP_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    b"Transfer-Encoding: chunked\r\n\r\na\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\r\n"
)
ENDLESS = {
    "endless_headers": forever(b"HTTP/1.1 200 OK\r\n", b"X-Pad: more\r\n", 0.05),
    "continue_flood": forever(b"", b"HTTP/1.1 100 Continue\r\n\r\n", 0.01),
    # Empty deflate blocks for ever: bytes keep coming, nothing ever decodes.
    "endless_gzip": forever(GZIP_HEAD, b"5\r\n\x00\x00\x00\xff\xff\r\n", 0.01),
}


@pytest.mark.parametrize("behaviour", sorted(ENDLESS))
def test_one_wall_clock_bound_per_request(behaviour):
    """However the answer never ends (header lines, 1xx answers, compressed nothing), the
    request ends at its deadline with an exchange that says so."""
    started = time.monotonic()
    with raw_server(ENDLESS[behaviour]) as url, real_client(url, request_deadline_s=1) as client:
        exchange = client.list_influencers(PROJECT)
    assert exchange.error == "no complete answer within 1 s"
    assert time.monotonic() - started < 1 + SLACK_S


def test_the_run_deadline_is_kept_while_an_answer_is_awaited():
    """The run's deadline ends a request in flight (not only the next one), and no answer
    is no evidence: the client raises, so the test is inconclusive and the run stops."""
    started = time.monotonic()
    endless = ENDLESS["endless_headers"]
    awaited = pytest.raises(DeadlineExceeded, match="passed while an answer was awaited")
    with raw_server(endless) as url, real_client(url, run_deadline=started + 1) as c, awaited:
        c.list_influencers(PROJECT)
    assert time.monotonic() - started < 1 + SLACK_S
    assert DeadlineExceeded.stops_run


def test_a_header_block_past_the_parsers_limit_is_named():
    """A header line that never ends is 'header block over 100 KB', not 'connection dropped'."""
    endless = forever(b"HTTP/1.1 200 OK\r\nX-Huge: ", b"x" * 65_536, 0.001)
    with raw_server(endless) as url, real_client(url) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error) == (None, "header block over 100 KB")


def gzip_reply(body: bytes, coding: str = "gzip") -> Reply:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: "
        + coding.encode()
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
    )
    return lambda connection, _stop: connection.sendall(head + body)


def compressed(data: bytes, wbits: int = 31) -> bytes:
    deflate = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return deflate.compress(data) + deflate.flush()


def test_a_gzip_bomb_is_inflated_only_to_the_body_cap():
    """256 MB of zeros in 250 KB of gzip: inflated a bounded step at a time, the client
    holds no more than the cap (plus one step) at any moment, and says what it cut."""
    bomb = compressed(b"\0" * (256 << 20))
    tracemalloc.start()
    try:
        with raw_server(gzip_reply(bomb)) as url, real_client(url, max_body_bytes=1_000_000) as c:
            exchange = c.list_influencers(PROJECT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exchange.error == "body larger than 1,000,000 bytes once gzip-decoded"
    assert len(exchange.body_text) == 2_000  # what cannot be read is kept only to be shown
    assert peak < 16_000_000


@pytest.mark.parametrize(
    ("coding", "problem"),
    [
        ("gzip, gzip", "stacked content encodings 'gzip, gzip' are not decoded (one at most)"),
        ("br", "content encoding 'br' was not asked for (gzip, deflate)"),
    ],
)
def test_codings_the_suite_does_not_read_are_refused(coding, problem):
    """Stacked or unasked-for codings are not decoded: the answer is unreadable, said so."""
    with raw_server(gzip_reply(b"whatever", coding)) as url, real_client(url) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error, exchange.body_text) == (200, problem, "")


@pytest.mark.parametrize(
    ("coding", "wbits"), [("gzip", 31), ("deflate", 15), ("deflate", -15), ("x-gzip", 31)]
)
def test_the_codings_asked_for_are_decoded(coding, wbits):
    """gzip, and deflate with or without its zlib wrapper (servers send both)."""
    body = compressed(b'{"items": [], "nextCursor": null}', wbits)
    with raw_server(gzip_reply(body, coding)) as url, real_client(url) as client:
        exchange = client.list_influencers(PROJECT)
    assert (exchange.error, exchange.json()) == (None, {"items": [], "nextCursor": None})


def test_a_corrupt_gzip_body_is_named():
    body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffgarbage!"
    with raw_server(gzip_reply(body)) as url, real_client(url) as client:
        exchange = client.list_influencers(PROJECT)
    assert exchange.error is not None
    assert exchange.error.startswith("the gzip body is corrupt after 18 bytes")


@pytest.mark.parametrize(
    ("header", "problem"),
    [(None, None), ("identity", None), ("GZIP", None), (" gzip , deflate ", "stacked")],
)
def test_coding_problem(header, problem):
    found = coding_problem(header)
    assert (found is None) if problem is None else (problem in str(found))


PROXY = "http://proxy.corp:3128"


@pytest.mark.parametrize(
    ("base_url", "environ", "proxy"),
    [
        ("https://api.partner.com", {"HTTPS_PROXY": PROXY}, PROXY),
        ("https://api.partner.com", {"https_proxy": PROXY}, PROXY),
        ("https://api.partner.com", {"HTTP_PROXY": PROXY}, None),  # only for http targets
        ("http://api.partner.com", {"HTTP_PROXY": PROXY}, PROXY),
        ("https://api.partner.com", {"ALL_PROXY": PROXY}, PROXY),
        ("https://api.partner.com", {"HTTPS_PROXY": "proxy.corp:3128"}, PROXY),
        ("https://api.partner.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "partner.com"}, None),
        ("https://api.partner.com", {"HTTPS_PROXY": PROXY, "no_proxy": ".partner.com"}, None),
        ("https://api.partner.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "*"}, None),
        ("https://api.partner.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "artner.com"}, PROXY),
        (
            "https://api.partner.com:8443",
            {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.partner.com:8443"},
            None,
        ),
        ("http://127.0.0.1:8000", {"HTTP_PROXY": PROXY}, None),  # on this machine: never
        ("http://localhost:8000", {"HTTP_PROXY": PROXY}, None),
        ("http://[::1]:8000", {"HTTP_PROXY": PROXY}, None),
        ("https://api.partner.com", {}, None),
    ],
)
def test_the_proxy_is_the_one_the_environment_names_as_curl_reads_it(base_url, environ, proxy):
    assert proxy_for(base_url, environ) == proxy


def test_a_request_goes_through_the_proxy_and_its_credentials_are_not_recorded():
    """A target this machine cannot resolve answers through the proxy (which resolves it);
    the proxy's credentials are in no recorded exchange (tests/robustness/test_proxy.py
    shows the request line and Proxy-Authorization the proxy saw)."""

    def answer(connection: socket.socket, _stop: threading.Event) -> None:
        body = b'{"items": [], "nextCursor": null}'
        length = f"Content-Length: {len(body)}\r\n\r\n".encode()
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + length + body)

    with raw_server(answer) as url:
        proxy = url.replace("http://", "http://operator:s3cret-pw@")
        with real_client("http://partner.test", proxy=proxy) as client:
            exchange = client.list_influencers(PROJECT)
    assert (exchange.status, exchange.error) == (200, None)
    assert exchange.url.startswith("http://partner.test/v1/projects/")
    assert "s3cret-pw" not in repr(asdict(exchange))  # every field (Exchange takes slots)
