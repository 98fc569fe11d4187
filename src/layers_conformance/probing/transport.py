"""Bounded HTTP for the client: one wall-clock limit per request, and bounded decoding.

httpx bounds each socket operation, not a request: a server that drips header lines, floods
`100 Continue` answers or streams compressed nothing is never slow enough for one read to
time out. So every connect, write and read made for a request goes through a network
backend that gives it only the time left before the request's `Deadline`, and the body is
read raw and inflated here, a bounded step at a time, so a gzip bomb never becomes more
than the body cap in memory.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import typing
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import httpcore
import httpx

ACCEPT_ENCODING = "gzip, deflate"  # sent, so any other coding is the server's own idea
HEADER_LIMIT_KB = 100  # httpcore's cap on a header block still being received
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


class Deadline:
    """When the request in flight must be over (None: no limit beyond each operation's).

    Per thread: requests may be in flight on several at once (the probe's prefetch), each
    with its own deadline, and a connection is used by one request, on one thread, at a time.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._local = threading.local()

    @property
    def at(self) -> float | None:
        at: float | None = getattr(self._local, "at", None)
        return at

    @at.setter
    def at(self, when: float | None) -> None:
        self._local.at = when

    def left(self, timeout: float | None, error: type[Exception]) -> float | None:
        """`timeout` cut to the time left; `error` when none is left."""
        if self.at is None:
            return timeout
        left = self.at - self.clock()
        if left <= 0:
            raise error("the request's deadline has passed")
        return left if timeout is None else min(timeout, left)

    @property
    def passed(self) -> bool:
        return self.at is not None and self.clock() >= self.at


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, left), self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, its streams held to the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._backend, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _Stream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_unix_socket(path, left, socket_options)
        return _Stream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class BoundedTransport(httpx.HTTPTransport):
    """httpx's own transport, over a connection pool whose sockets keep the deadline; through
    an HTTP proxy when given one (a tunnel for https targets)."""

    def __init__(self, deadline: Deadline, proxy: str | None = None) -> None:
        # One TLS context (loading the CA bundle takes 50 ms), httpx's default, for both.
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context)
        # httpx has no parameter for a network backend; its pool is rebuilt with ours.
        backend = _Backend(deadline)
        if proxy is None:
            self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=backend)
            return
        url = httpx.URL(proxy)
        # httpcore takes the proxy's credentials apart from its URL (Proxy-Authorization).
        auth = (url.username, url.password) if url.username else None
        self._pool = httpcore.HTTPProxy(
            proxy_url=str(url.copy_with(username=None, password=None)),
            proxy_auth=auth,
            ssl_context=ssl_context,
            network_backend=backend,
        )


def proxy_for(base_url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The HTTP proxy the environment names for this target (`HTTPS_PROXY`, `HTTP_PROXY`,
    `ALL_PROXY`, in either case), unless `NO_PROXY` lists its host; never for a target on
    this machine (the embedded reference), which no proxy elsewhere could reach."""
    url = httpx.URL(base_url)
    environ = os.environ if environ is None else environ
    found = {name.lower(): value for name, value in environ.items() if name.lower() in _PROXIES}
    proxy = found.get(f"{url.scheme}_proxy") or found.get("all_proxy")
    if not proxy or _on_this_machine(url.host) or _bypassed(url.host, found.get("no_proxy", "")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def proxy_secrets(proxy: str | None) -> dict[str, str]:
    """The proxy's credentials as the redactor takes them (value -> placeholder): its
    password, and `user:password`, whose base64 is the Proxy-Authorization a proxy may echo."""
    url = None if proxy is None else httpx.URL(proxy)
    if url is None or not url.password:
        return {}
    return {url.password: PROXY_PASSWORD, f"{url.username}:{url.password}": PROXY_PASSWORD}


PROXY_PASSWORD = "$PROXY_PASSWORD"  # the placeholder it is written as
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _on_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, no_proxy: str) -> bool:
    """NO_PROXY as curl reads it: `*`, or hosts and domains (`example.com`, `.example.com`)."""
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        entry = entry.split(":")[0] if entry.count(":") == 1 else entry  # a port is ignored
        if entry == "*" or host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")):
            return True
    return False


@dataclass
class Body:
    """What was read of a response body: the bytes, decoded, and why reading stopped early:
    a `problem` of the suite's (a cap, a coding it does not read) or the transport's
    `failure` (a timeout, a cut connection), which the client puts into words."""

    data: bytes
    raw_bytes: int = 0  # as received, before any decoding
    problem: str | None = None
    failure: Exception | None = None


class _Inflater:
    """One content coding undone a bounded step at a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._inflate = zlib.decompressobj(_WBITS[coding])
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes of decoded output; input not yet decoded is kept."""
        pending = self._inflate.unconsumed_tail + data
        try:
            out = self._inflate.decompress(pending, room)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            # "deflate" is often sent raw, without the zlib wrapper RFC 9110 asks for.
            self._inflate = zlib.decompressobj(-15)
            out = self._inflate.decompress(pending, room)
        self._started = True
        return out

    @property
    def pending(self) -> bool:
        return bool(self._inflate.unconsumed_tail)


def coding_problem(header: str | None) -> str | None:
    """Why a Content-Encoding header is not read: stacked, or not one the suite asked for."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1:
        return f"stacked content encodings {header!r} are not decoded (one at most)"
    if codings and codings[0] not in _WBITS:
        return f"content encoding {codings[0]!r} was not asked for ({ACCEPT_ENCODING})"
    return None


def read_body(response: httpx.Response, limit: int, deadline: Deadline) -> Body:
    """The body, decoded, cut at `limit` bytes or by the deadline; the response is closed."""
    body = Body(b"")
    header = response.headers.get("content-encoding")
    body.problem = coding_problem(header)
    if body.problem is not None:
        response.close()
        return body
    coding = (header or "").strip().lower()
    inflater = _Inflater(coding) if coding in _WBITS else None
    data = bytearray()
    try:
        for chunk in response.iter_raw():
            body.raw_bytes += len(chunk)
            body.problem = _take(chunk, inflater, data, limit, deadline)
            if body.problem is not None:
                break
    except zlib.error as error:
        body.problem = f"the {coding} body is corrupt after {body.raw_bytes:,} bytes: {error}"
    except Exception as error:  # whatever the server sent, it is described, never raised
        body.failure = error
    finally:
        response.close()
    body.data = bytes(data[:limit])
    return body


def _take(
    chunk: bytes, inflater: _Inflater | None, data: bytearray, limit: int, deadline: Deadline
) -> str | None:
    """Add one raw chunk to `data`, decoded; the problem that stops reading, if any."""
    if inflater is None:
        data += chunk
    else:
        data += inflater.feed(chunk, limit + 1 - len(data))
        while inflater.pending and len(data) <= limit and not deadline.passed:
            data += inflater.feed(b"", limit + 1 - len(data))
    if len(data) > limit:
        decoded = f" once {inflater.coding}-decoded" if inflater else ""
        return f"body larger than {limit:,} bytes{decoded}"
    if deadline.passed:  # decoding costs time too: a stream of nothing must not outlast it
        raise httpx.ReadTimeout("the request's deadline has passed")
    return None


def describe(failure: Exception, received: int, read_timeout_s: float) -> str:
    """A transport failure as the problem a person can act on, in one line."""
    text = " ".join(str(failure).split()) or type(failure).__name__
    if isinstance(failure, httpx.TimeoutException):
        return f"read timed out after {read_timeout_s:g} s"
    if isinstance(failure, httpx.RemoteProtocolError):
        return _protocol(text, received)
    if isinstance(failure, httpx.NetworkError):
        return f"connection dropped{_after(received)}: {text}"
    return f"{type(failure).__name__}: {text}"


def _protocol(text: str, received: int) -> str:
    if "Receive buffer too long" in text:  # h11: the header block never ended
        return f"header block over {HEADER_LIMIT_KB} KB"
    if "without sending complete message body" in text:
        return f"body cut after {received:,} bytes"
    if "without sending a response" in text:
        return "connection closed before any answer"
    return f"not a valid HTTP answer: {text}"


def _after(received: int) -> str:
    return f" after {received:,} bytes of body" if received else ""
