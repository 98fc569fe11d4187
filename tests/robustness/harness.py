"""Helpers for the robustness self-tests: servers in threads, targets files, suite runs.

A test starts what it needs (the reference, maybe wrapped in a `Recording` that counts what
the server saw or answers in its place), writes a targets file into its tmp_path, runs the
suites as a separate pytest process, and reads what that run printed and left behind.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from layers_conformance.reference import build_dataset, reference_app, targets_entry
from layers_conformance.reference.dataset import Dataset
from layers_conformance.reference.hooks import Fault
from layers_conformance.standalone import without_pytest_variables
from suite_run import Run

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO / "suites"
KEY = "lc_SECRET_9f8e7d6c5b4a"
KEY_NO_SCOPE = "lc_NOSCOPE_SECRET_1a2b3c"
RUN_TIMEOUT_S = 240


@dataclass(frozen=True)
class Seen:
    """One HTTP request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    at: float  # time.monotonic() in the server's thread


def seen_in(scope: Scope) -> Seen:
    """The request of an ASGI scope, as the server received it."""
    return Seen(
        method=scope["method"],
        path=scope["path"],
        query=scope["query_string"].decode("latin-1"),
        headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
        at=time.monotonic(),
    )


# change(seen, status, body) -> the body to send instead
Change = Callable[[Seen, int, bytes], bytes]


def rewrite_bodies(
    app: ASGIApp, change: Change, headers_when_changed: dict[str, str] | None = None
) -> ASGIApp:
    """`app`, with each answer's body passed through `change` (its content-length fixed,
    and `headers_when_changed` added to the answers whose body it changed)."""
    added = [(k.encode(), v.encode()) for k, v in (headers_when_changed or {}).items()]

    async def rewritten(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        seen, start, chunks = seen_in(scope), {}, []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            original = b"".join(chunks)
            body = change(seen, start["status"], original)
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            headers += added if body != original else []
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return rewritten


# answer(number, seen) -> an ASGI app answering in the server's place, or None to pass through
Answer = Callable[[int, Seen], ASGIApp | None]


class Recording:
    """ASGI wrapper that records every HTTP request, and may answer some itself."""

    def __init__(self, app: ASGIApp, answer: Answer | None = None) -> None:
        self.app = app
        self.answer = answer
        self.seen: list[Seen] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            seen = seen_in(scope)
            self.seen.append(seen)
            instead = self.answer(len(self.seen), seen) if self.answer else None
            if instead is not None:
                await instead(scope, receive, send)
                return
        await self.app(scope, receive, send)


@dataclass
class Served:
    """A server running in a thread; `stop()` makes it shut down as if it died."""

    base_url: str
    server: uvicorn.Server

    def stop(self) -> None:
        self.server.should_exit = True


@contextmanager
def serve(app: ASGIApp, host: str = "127.0.0.1") -> Iterator[Served]:
    """Serve `app` on a free port of `host` in a daemon thread until the block ends."""
    config = uvicorn.Config(app, host=host, port=0, log_level="critical")
    config.timeout_graceful_shutdown = 1  # a hanging handler must not hold the test
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server thread ended before it started serving"
        assert time.monotonic() < deadline, "the server did not start within 10 s"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://{host}:{port}", server)
    finally:
        server.should_exit = True
        thread.join(5)


def dataset(size: int = 160) -> Dataset:
    """The reference dataset, with the recognisable keys the secret scans look for."""
    return build_dataset(size, key=KEY, key_without_scope=KEY_NO_SCOPE)


@dataclass
class Started:
    """A target started for one test: its server, its recording and its targets file."""

    served: Served
    recording: Recording
    targets_file: Path
    name: str = "t"
    raw: RawServer | None = None  # the raw server in front, when one sabotages requests

    @property
    def seen(self) -> list[Seen]:
        return self.recording.seen


def write_targets(path: Path, name: str, entry: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"targets": {name: entry}}), encoding="utf-8")
    return path


def suite_env(**extra: str) -> dict[str, str]:
    """The environment of a suite run: ours without pytest's (PYTEST_ADDOPTS would narrow
    the run), plus the keys the targets file names as ${VARS}."""
    keys = without_pytest_variables(LAYERS_API_KEY=KEY, LAYERS_API_KEY_NO_SCOPE=KEY_NO_SCOPE)
    return keys | extra


def run_suite(
    tmp_path: Path,
    *args: str,
    target: Started | None = None,
    name: str = "reference",
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT_S,
) -> Run:
    """Run the suites in a fresh pytest process (cwd `tmp_path`, so no stray targets.yaml);
    `name` is the target the run reports on when `args` name it themselves."""
    reports = tmp_path / "reports"
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "-q", "-p", "no:cacheprovider",
        "-p", "no:randomly", "--report-dir", str(reports), "--seed", "1",
    ]  # fmt: skip
    if target is not None:
        command += ["--targets-file", str(target.targets_file), "--target", target.name]
        name = target.name
    started = time.monotonic()
    code, stdout, stderr, peak_kb = _run_measured(
        [*command, *args], tmp_path, suite_env() if env is None else env, timeout
    )
    elapsed = time.monotonic() - started
    return Run(code, stdout, stderr, elapsed, reports / name, peak_kb / 1024)


# A process's peak RSS (ru_maxrss) counts, at its exec, the peak of the memory it replaces:
# started from this pytest-xdist worker, that is the worker's own peak (hundreds of MB after
# a test that built a 400 MB bundle in it). So `command` is started by a small launcher,
# forked from it: its ru_maxrss, read by the launcher's wait4, is its own.
LAUNCHER = """
import os, sys
child = os.fork()
if child == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(child, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:  # killed by a signal: so is the launcher, for the same exit status
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def _run_measured(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, str, int]:
    """Run `command`; its exit code, output, and its own peak RSS in KB (`LAUNCHER`)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak = Path(scratch) / "peak"
        out, err = Path(scratch) / "out", Path(scratch) / "err"
        launched = [sys.executable, "-c", LAUNCHER, str(peak), *command]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                launched, stdout=stdout, stderr=stderr, cwd=cwd, env=env, start_new_session=True
            )
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the launcher and the run it started
                process.wait()
                raise subprocess.TimeoutExpired(command, timeout) from None
        text = [f.read_bytes().decode("utf-8", errors="replace") for f in (out, err)]
        return code, text[0], text[1], int(peak.read_text())


@dataclass
class Targets:
    """Starts reference servers for one test and stops them when it ends."""

    tmp_path: Path
    stack: ExitStack = field(default_factory=ExitStack)

    def start(
        self,
        *faults: Fault,
        answer: Answer | None = None,
        wrap: Callable[[ASGIApp], ASGIApp] | None = None,
        size: int = 160,
        sabotage: Sabotage | None = None,
        **entry: Any,
    ) -> Started:
        """The reference with `faults` and `size` influencers, recorded (and maybe answered
        for), in a targets file; `sabotage` puts a `RawServer` in front of it; `entry` adds
        keys to the targets entry (request_budget=30, ...)."""
        data = dataset(size)
        app = reference_app(data, *faults)
        recording = Recording(wrap(app) if wrap else app, answer)
        served = self.stack.enter_context(serve(recording))
        front = None
        if sabotage is not None:
            front = self.stack.enter_context(RawServer(served.base_url, sabotage))
        url = front.base_url if front else served.base_url
        fields = targets_entry(url, data.fixtures) | entry
        path = write_targets(self.tmp_path / "targets.yaml", "t", fields)
        return Started(served, recording, path, raw=front)


def respond(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> ASGIApp:
    """A bare ASGI app that answers `status` with `body` as JSON."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json")]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    return app


def respond_raw(status: int, body: bytes | str, headers: dict[str, str] | None = None) -> ASGIApp:
    """A bare ASGI app that answers `status` with `body` byte for byte (JSON content type
    unless `headers` say otherwise)."""
    payload = body.encode() if isinstance(body, str) else body
    given = {"content-type": "application/json", **(headers or {})}
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in given.items()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    return app


# sabotage(number, request head) -> what to do with the client's socket instead of relaying
# the request, or None to relay it to the upstream server.
Sabotage = Callable[[int, bytes], Callable[[socket.socket, threading.Event], None] | None]


class RawServer:
    """A TCP server in front of `upstream` that answers some requests below HTTP's rules.

    ASGI cannot send an endless header block or a flood of 1xx answers, so this server
    reads each request head itself: it relays the request to `upstream` (one request per
    connection) unless `sabotage` takes the socket instead.
    """

    def __init__(self, upstream: str, sabotage: Sabotage) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.sabotage = sabotage
        self.seen: list[float] = []  # time.monotonic() of each request head received
        self.hung_up: list[float] = []  # when the client closed a sabotaged connection
        self.sabotaged = 0
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __enter__(self) -> RawServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = _read_head(conn)
            if head is None:
                return
            self.seen.append(time.monotonic())
            instead = self.sabotage(len(self.seen), head)
            if instead is None:
                self._relay(conn, head)
                return
            self.sabotaged += 1
            try:
                instead(conn, self.stop)
            except OSError:  # the client gave up: when, by this server's clock, is the test
                self.hung_up.append(time.monotonic())

    def _relay(self, conn: socket.socket, head: bytes) -> None:
        lines = [line for line in head.split(b"\r\n") if line]
        kept = [line for line in lines if not line.lower().startswith(b"connection:")]
        request = b"\r\n".join([*kept, b"Connection: close", b"", b""])
        host, port = self.upstream.split(":")
        with socket.create_connection((host, int(port))) as upstream:
            upstream.sendall(request)
            while chunk := upstream.recv(65536):
                conn.sendall(chunk)


def _read_head(conn: socket.socket) -> bytes | None:
    conn.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        head += chunk
    return head


def drip(
    pieces: Callable[[int], bytes], every_s: float
) -> Callable[[socket.socket, threading.Event], None]:
    """A sabotage that sends `pieces(0)`, `pieces(1)`, ... every `every_s` s until stopped."""

    def send(conn: socket.socket, stop: threading.Event) -> None:
        number = 0
        while not stop.is_set():
            conn.sendall(pieces(number))
            number += 1
            stop.wait(every_s)

    return send


def gzip_of_zeros(megabytes: int) -> bytes:
    """A valid gzip member that inflates to `megabytes` MiB of zeros, built in a fraction of a
    second: after a full flush, deflate writes each further MiB of zeros as the same bytes."""
    mib = b"\0" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush()[:-8]  # the final block, without the trailer of what was compressed
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(mib, crc)
    trailer = struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)
    return first + again * (megabytes - 1) + end + trailer


def gzip(data: bytes) -> bytes:
    """`data` gzip-compressed once more."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    return deflate.compress(data) + deflate.flush()


# What a loaded machine may add to one request's way to the server and not to the next's.
ARRIVAL_JITTER_S = 0.25


def paced(seen: list[Seen], rate: float) -> list[str]:
    """Where the server saw requests closer together than `rate` allows.

    The client spaces its sends 1/rate apart. The server sees each one a little after it was
    sent, and a loaded machine can delay one request more than the next (its server thread
    starved for a moment, then three requests handled in 60 ms); so the guarantee checked, by
    the server's clock, is that requests i..j span at least (j - i)/rate less one interval and
    `ARRIVAL_JITTER_S`. An unpaced client breaks it over a run of a dozen requests, and so
    does one sending at twice the rate."""
    return [
        f"requests {i + 1}-{j + 1} within {seen[j].at - seen[i].at:.3f} s"
        for i, j in itertools.combinations(range(len(seen)), 2)
        if seen[j].at - seen[i].at < (j - i - 1) / rate - ARRIVAL_JITTER_S
    ]
