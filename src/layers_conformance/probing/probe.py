"""The suite's view of one target: requests answered once, traversals walked once.

Checks share what a run has already seen, so the same page is never fetched twice for
two checks; that keeps a run inside its request budget and its time.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from layers_conformance.checks.params import DEFAULT_LIMIT
from layers_conformance.checks.violations import inconclusive
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, Traversal, read_page
from layers_conformance.core.targets import Fixtures, Secret
from layers_conformance.probing.client import NO_CREDENTIALS, CallCredentials, Credentials
from layers_conformance.probing.profiles import Profile
from layers_conformance.probing.traversal import walk

Params = tuple[tuple[str, str], ...]
CredentialsArg = Credentials | None | object
PROGRESS_EVERY_S = 2.0
V = TypeVar("V")
# One piece of independent work for `Probe.prefetch`: a request or a walk, asked of the probe.
Job = Callable[["Probe"], object]


class RunClosed(Exception):
    """Work fetched ahead stops when the run ends; no test is waiting for it."""


class Memo(Generic[V]):
    """Each key computed once, even when several threads ask for it at the same time.

    The first asker computes; the others wait for its result. An exception is remembered as
    the answer too (a spent budget stays spent), so every asker sees the same outcome.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[V]] = {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = self._futures[key] = Future()
        if owner:
            try:
                future.set_result(compute())
            except Exception as error:
                future.set_exception(error)
        return future.result()

    def __len__(self) -> int:
        return len(self._futures)

    def results(self) -> list[V]:
        """The values computed so far (errors left out)."""
        with self._lock:
            futures = list(self._futures.values())
        return [f.result() for f in futures if f.done() and not f.cancelled() and not f.exception()]


class Source(Protocol):
    """Where answers come from: the HTTP `Client`, or a `Replay` of a recorded run."""

    requests_sent: int

    def list_influencers(
        self,
        project_id: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        credentials: CallCredentials = None,
    ) -> Exchange: ...


@dataclass(frozen=True)
class Keys:
    """The credentials a run may send: the configured one, and the key without scope."""

    configured: Credentials
    without_scope: Credentials | None

    def sent_as(self, scheme: str, key: str | Secret | None = None) -> Credentials:
        """The key (by default the configured one) sent as `scheme`.

        `scheme` is "bearer" or "x-api-key", or "configured" / "other" relative to the target.
        """
        configured = self.configured.scheme
        other = "bearer" if configured == "x-api-key" else "x-api-key"
        chosen = {"configured": configured, "other": other}.get(scheme, scheme)
        secret = self.configured.key if key is None else key
        secret = secret if isinstance(secret, Secret) else Secret(secret)
        return Credentials(chosen, secret)  # type: ignore[arg-type]

    @property
    def extended(self) -> Secret:
        """The configured key with one character more: invalid, and as secret as the key."""
        return Secret(self.configured.key.value + "x")


@dataclass
class Probe:
    """Requests to one target, remembered by what was asked."""

    client: Source
    fixtures: Fixtures
    profile: Profile
    keys: Keys
    seed: int = 0
    concurrency: int = 1  # how many jobs `prefetch` runs at once; 1: none ahead of the tests
    on_progress: Callable[[str], None] = lambda _message: None
    # Told of every answer a caller is given (a test's evidence), not of prefetched ones.
    on_answer: Callable[[Exchange], None] = lambda _exchange: None
    _answers: Memo[Exchange] = field(default_factory=Memo)
    _walks: Memo[Traversal] = field(default_factory=Memo)
    # What is computed from its answers once for every thread (the query space's ground).
    derived: Memo[object] = field(default_factory=Memo)
    _thread: threading.local = field(default_factory=threading.local)
    _pool: ThreadPoolExecutor | None = None
    _closing: threading.Event = field(default_factory=threading.Event)
    _queue: deque[Job] = field(default_factory=deque)  # jobs not started, next one first
    _queue_lock: threading.Lock = field(default_factory=threading.Lock)

    def __repr__(self) -> str:
        # pytest prints fixtures in failure output: counts, never every recorded body.
        return f"<Probe of {self.client.requests_sent} requests, {len(self._walks)} walks>"

    @property
    def no_credentials(self) -> object:
        return NO_CREDENTIALS

    @property
    def unknown_project_id(self) -> str:
        """A well-formed project id that no target has: random, but fixed by the run's seed."""
        return str(uuid.UUID(int=random.Random(self.seed).getrandbits(128), version=4))

    def get(
        self,
        params: Sequence[tuple[str, str]] = (),
        *,
        project_id: str | None = None,
        credentials: CredentialsArg = None,
    ) -> Exchange:
        """One request (the project under test, the configured key, unless told otherwise)."""
        if self._closing.is_set() and getattr(self._thread, "ahead", False):
            raise RunClosed("the run is over: no more requests ahead of the tests")
        project = project_id or self.fixtures.project_id
        query = tuple(params)
        exchange = self._answers.get(
            (project, query, credentials),
            lambda: self.client.list_influencers(project, query, credentials=credentials),  # type: ignore[arg-type]
        )
        self._answered([exchange])
        return exchange

    @contextmanager
    def uncached(self) -> Iterator[Memo[Exchange]]:
        """Inside the block every question is asked afresh (a recheck); after it, the answers
        seen before are back and the fresh ones forgotten. Yields the fresh answers."""
        kept = self._answers, self._walks
        self._answers, self._walks = Memo(), Memo()
        try:
            yield self._answers
        finally:
            self._answers, self._walks = kept

    def traverse(
        self, limit: int | None = None, status: str | None = None, project_id: str | None = None
    ) -> Traversal:
        """The walk at this page size and filter, within the profile's caps."""
        project = project_id or self.fixtures.project_id
        walked = self._walks.get(
            (project, limit, status), lambda: self._walk(project, limit, status)
        )
        self._answered(walked.exchanges)
        if not walked.pages:
            inconclusive(f"no traversal at limit={limit} status={status}: {walked.stopped}")
        return walked

    def walks_done(self) -> list[Traversal]:
        """Every walk finished so far: its pages are the run's chains of dependent requests."""
        return self._walks.results()

    def first_page(self, limit: int | None = None, status: str | None = None) -> Page:
        """The first page at this limit and filter; inconclusive when it is not a page."""
        exchange = self.get(_query(limit, status))
        page = read_page(exchange, 1, limit)
        if page is None:
            inconclusive(f"the first page is not a page: {exchange.describe()}")
        return page

    def widest(self, status: str | None = None) -> Traversal:
        """The traversal at the profile's largest page size: the cheapest complete view."""
        return self.traverse(max(self.profile.page_sizes), status)

    def filtered(self, status: str) -> Traversal:
        """The traversal filtered by `status`, at a page size small enough to use cursors."""
        return self.traverse(self.profile.filter_page_size, status)

    def compared_traversals(self) -> list[Traversal]:
        """The default page size and every page size of the profile, widest first."""
        sizes = sorted(self.profile.page_sizes, reverse=True)
        return [self.traverse(size) for size in sizes] + [self.traverse(None)]

    def error_samples(self) -> dict[str, Exchange]:
        """One answer for each documented error the target can be asked for."""
        samples = {
            "UNAUTHENTICATED": self.get(credentials=NO_CREDENTIALS),
            "NOT_FOUND": self.get(project_id=self.unknown_project_id),
            "VALIDATION": self.get((("limit", "0"),)),
        }
        if self.keys.without_scope is not None:
            samples["FORBIDDEN_SCOPE"] = self.get(credentials=self.keys.without_scope)
        return samples

    def prefetch(self, jobs: Iterable[Job], *, first: bool = False) -> None:
        """Start independent work in the background, `concurrency - 1` jobs at a time.

        Tests go on meanwhile (the calling thread is the last of `concurrency`): a test that
        asks for what a job is fetching waits for it in the memo, and whoever asks first
        sends it, so every request is sent once. An error is remembered there too and reaches
        the test that asks, so nothing is decided here. At concurrency 1 nothing is fetched
        ahead: each test sends its own requests, the same ones; only the order differs.
        `first` puts the jobs before those not started yet: a test is waiting for them.
        """
        if self.concurrency <= 1:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency - 1, thread_name_prefix="prefetch")
        jobs = list(jobs)
        with self._queue_lock:
            if first:
                self._queue.extendleft(reversed(jobs))
            else:
                self._queue.extend(jobs)
        for _ in jobs:  # each task runs whichever job is next when a thread is free
            self._pool.submit(self._next)

    def close(self) -> None:
        """Drop work not yet started, and wait for the jobs under way."""
        self._closing.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _next(self) -> None:
        with self._queue_lock:
            job = self._queue.popleft()
        self._ahead(job)

    def _ahead(self, job: Job) -> None:
        self._thread.ahead = True  # no test asked: nobody's evidence yet
        try:
            job(self)
        finally:
            self._thread.ahead = False

    def _answered(self, exchanges: Iterable[Exchange]) -> None:
        if not getattr(self._thread, "ahead", False):
            for exchange in exchanges:
                self.on_answer(exchange)

    def _walk(self, project: str, limit: int | None, status: str | None) -> Traversal:
        base = _query(limit, status)
        small = limit is not None and limit < DEFAULT_LIMIT
        cap = self.profile.small_page_items if small else self.profile.max_items
        started = last_report = time.monotonic()
        label = f"traversal limit={limit or 'default'} status={status or 'any'}"

        def fetch(cursor: str | None) -> Exchange:
            params = base + ((("cursor", cursor),) if cursor is not None else ())
            return self.get(params, project_id=project)

        def progress(page: Page) -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report >= PROGRESS_EVERY_S:
                last_report = now
                self.on_progress(
                    f"{label}: page {page.number}, {now - started:.0f} s, still walking"
                )

        return walk(
            fetch, limit=limit, max_pages=self.profile.max_pages, max_items=cap, on_page=progress
        )


def _query(limit: int | None, status: str | None) -> Params:
    limit_part = (("limit", str(limit)),) if limit is not None else ()
    return limit_part + ((("status", status),) if status is not None else ())
