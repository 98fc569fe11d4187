"""Helpers for the robustness self-tests: servers in threads, targets files, suite runs.

A test starts what it needs (the reference, maybe wrapped in a `Recording` that counts what
the server saw or answers in its place), writes a targets file into its tmp_path, runs the
suites as a separate pytest process, and reads what that run printed and left behind.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
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
            seen = Seen(
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode("latin-1"),
                headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                at=time.monotonic(),
            )
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

    @property
    def seen(self) -> list[Seen]:
        return self.recording.seen


def write_targets(path: Path, name: str, entry: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"targets": {name: entry}}), encoding="utf-8")
    return path


def suite_env(**extra: str) -> dict[str, str]:
    """The environment of a suite run: ours without pytest's (xdist's worker count would
    shrink the run's budget), plus the keys the targets file names as ${VARS}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(LAYERS_API_KEY=KEY, LAYERS_API_KEY_NO_SCOPE=KEY_NO_SCOPE)
    env.update(extra)
    return env


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
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=tmp_path,
        env=suite_env() if env is None else env,
    )
    return Run(
        done.returncode, done.stdout, done.stderr, time.monotonic() - started, reports / name
    )


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
        **entry: Any,
    ) -> Started:
        """The reference with `faults` and `size` influencers, recorded (and maybe answered
        for), in a targets file; `entry` adds keys to the targets entry (request_budget=30)."""
        data = dataset(size)
        app = reference_app(data, *faults)
        recording = Recording(wrap(app) if wrap else app, answer)
        served = self.stack.enter_context(serve(recording))
        raw = targets_entry(served.base_url, data.fixtures) | entry
        path = write_targets(self.tmp_path / "targets.yaml", "t", raw)
        return Started(served, recording, path)


def respond(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> ASGIApp:
    """A bare ASGI app that answers `status` with `body` as JSON."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json")]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    return app


def paced(seen: list[Seen], rate: float) -> list[str]:
    """Where the server saw requests closer together than `rate` allows.

    The client spaces its sends 1/rate apart. The server sees each one a little after it was
    sent, and a loaded machine can delay one request more than the next; so the guarantee
    checked, by the server's clock, is that any run of k requests spans at least (k - 2)/rate:
    one interval of slack for that jitter, whatever the span. An unpaced client breaks it.
    """
    return [
        f"requests {i + 1}-{j + 1} within {seen[j].at - seen[i].at:.3f} s"
        for i, j in itertools.combinations(range(len(seen)), 2)
        if seen[j].at - seen[i].at < (j - i - 1) / rate
    ]
