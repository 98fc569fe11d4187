"""The suite's view of one target: requests answered once, traversals walked once.

Checks share what a run has already seen, so the same page is never fetched twice for
two checks; that keeps a run inside its request budget and its time. Every walk follows
the run's plan (`probing.plan`); what each test took is kept as a `Use`, from which its
verdict says what was checked, or why it could not be.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, cast

from layers_conformance.checks.violations import Inconclusive, inconclusive
from layers_conformance.core.exchange import (
    Bodies,
    Exchange,
    Held,
    Query,
    RawQuery,
    continued,
    cursor_key,
    held_exchange,
    hold,
)
from layers_conformance.core.heap import give_back_freed_memory
from layers_conformance.core.index import Index, open_index
from layers_conformance.core.pages import Page, Pages, Traversal, read_page
from layers_conformance.core.results import Change, Traffic
from layers_conformance.core.targets import Fixtures
from layers_conformance.probing import scope
from layers_conformance.probing.client import NO_CREDENTIALS, CallCredentials, Credentials
from layers_conformance.probing.keys import Keys
from layers_conformance.probing.memo import Grouped, KeptAnswers, Memo
from layers_conformance.probing.plan import Plan, WalkKey, WalkPlan
from layers_conformance.probing.profiles import Profile
from layers_conformance.probing.scheduler import Scheduler
from layers_conformance.probing.traversal import walk

Params = tuple[tuple[str, str], ...]
CredentialsArg = Credentials | None | object
PROGRESS_EVERY_S = 2.0
# One piece of independent work for `Probe.prefetch`: a request or a walk, asked of the probe.
Job = Callable[["Probe"], object]


class RunClosed(Exception):
    """Work fetched ahead stops when the run ends; no test is waiting for it."""


class NoAnswer(Inconclusive):
    """A request a check needed got no answer: no evidence either way, and the run is
    incomplete."""


class Source(Protocol):
    """Where answers come from: the HTTP `Client`, or a `Replay` of a recorded run."""

    requests_sent: int

    @property
    def traffic(self) -> Traffic: ...

    def list_influencers(
        self,
        project_id: str,
        params: Sequence[tuple[str, str]] | RawQuery = (),
        *,
        credentials: CallCredentials = None,
    ) -> Exchange: ...


@dataclass
class Use:
    """What one test took from the probe: the requests sent while it ran, the walks it read,
    and why what it read is not all there (`gaps`)."""

    requests: int = 0
    walks: dict[WalkKey, Traversal] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    unanswered: bool = False  # a gap is an unanswered request: the run is incomplete
    sampled: dict[WalkKey, int] = field(default_factory=dict)  # pages read of a walk's
    checked: str = ""  # what the walks held, in words (see `probing.scope`)
    compared: list[str] = field(default_factory=list)  # what a comparison set aside, in words
    changes: list[Change] = field(default_factory=list)  # of the list, set aside by the test


@dataclass
class Probe:
    """Requests to one target, remembered by what was asked."""

    client: Source
    fixtures: Fixtures
    plan: Plan
    keys: Keys
    seed: int = 0
    concurrency: int = 1  # how many jobs `prefetch` runs at once; 1: none ahead of the tests
    on_progress: Callable[[str], None] = lambda _message: None
    # Told of every answer a caller is given (a test's evidence), not of prefetched ones.
    on_answer: Callable[[Exchange], None] = lambda _exchange: None
    # Where the bodies of the answers it remembers go (None: they stay in memory): a run
    # remembers every answer, and a long run's pages would otherwise hold all their text.
    bodies: Bodies | None = None
    _answers: Memo[Held] = field(default_factory=Memo)
    # The run's answers that continue a query with a cursor (a walk's pages): see `_ask`.
    _pages: Grouped[Held] = field(default_factory=lambda: Grouped(KeptAnswers))
    _walks: Memo[Traversal] = field(default_factory=Memo)
    # What is computed from its answers once for every thread (the query space's ground).
    derived: Memo[object] = field(default_factory=Memo)
    # A recheck's own memos (`uncached`), seen only by the thread that rechecks.
    _fresh: threading.local = field(default_factory=threading.local)
    _use: Use = field(default_factory=Use)  # of the test running now (never of work ahead)
    _counted: int = 0  # requests sent when the last `Use` was taken

    def __post_init__(self) -> None:
        # The thread that runs the tests is the last of `concurrency`.
        self._ahead = Scheduler(max(1, self.concurrency - 1))

    def __repr__(self) -> str:
        # pytest prints fixtures in failure output: counts, never every recorded body.
        return f"<Probe of {self.client.requests_sent} requests, {len(self._walks)} walks>"

    @property
    def profile(self) -> Profile:
        """The profile as planned for this run's budget."""
        return self.plan.profile

    def index(self) -> Index:
        """A new index of what a check looks up by influencer id: on disk in the run's folder
        when its bodies are (a large list's ids would fill memory), else in memory."""
        return open_index(self.bodies.folder if self.bodies is not None else None)

    @property
    def no_credentials(self) -> object:
        return NO_CREDENTIALS

    @property
    def unknown_project_id(self) -> str:
        """A well-formed project id that no target has: random, but fixed by the run's seed."""
        return str(uuid.UUID(int=random.Random(self.seed).getrandbits(128), version=4))

    def get(
        self,
        params: Sequence[tuple[str, str]] | RawQuery = (),
        *,
        project_id: str | None = None,
        credentials: CredentialsArg = None,
    ) -> Exchange:
        """One request (the project under test, the configured key, unless told otherwise;
        a `RawQuery` sent as written); a request that got no answer ends the check as
        inconclusive (`NoAnswer`)."""
        query = params if isinstance(params, RawQuery) else tuple(params)
        exchange = self._ask(query, project_id or self.fixtures.project_id, credentials)
        self._answered([exchange])
        if not exchange.answered:
            if not self._ahead_of_tests():
                self._use.unanswered = True
            raise NoAnswer(f"no answer: {exchange.describe()}")
        return exchange

    @contextmanager
    def uncached(self) -> Iterator[Memo[Held]]:
        """Inside the block every question this thread asks is asked afresh (a recheck); after
        it, the answers seen before are back and the fresh ones forgotten. Yields the fresh
        answers. Work fetched ahead meanwhile, in other threads, still lands in the run's
        memos: it is no part of the recheck's fresh look."""
        answers: Memo[Held] = Memo()
        self._fresh.memos = answers, Memo()
        try:
            yield answers
        finally:
            del self._fresh.memos

    def traverse(
        self, limit: int | None = None, status: str | None = None, project_id: str | None = None
    ) -> Traversal:
        """The walk at this page size and filter, as far as the plan lets it go."""
        project = project_id or self.fixtures.project_id
        walked = self._memos()[1].get(
            (project, limit, status), lambda: self._walk(project, limit, status)
        )
        self._answered(walked.exchanges)
        if project == self.fixtures.project_id and not self._ahead_of_tests():
            self._note(limit, status, walked)
        if not walked.pages:
            inconclusive(f"no traversal at limit={limit} status={status}: {walked.stopped}")
        return walked

    def reread(
        self, limit: int | None = None, status: str | None = None, pages: int | None = None
    ) -> Traversal:
        """The walk at this page size and filter read once more, afresh, after the one
        `traverse` remembers, as far as its plan goes or `pages`: what the list shows now
        (see `checks.changes`)."""
        project = self.fixtures.project_id
        walked = cast(
            Traversal,
            self.derived.get(
                ("reread", limit, status, pages),
                lambda: self._walk(project, limit, status, fresh=True, pages=pages),
            ),
        )
        self._answered(walked.exchanges)
        return walked

    def expect_end(self, walked: Traversal) -> None:
        """End the check as inconclusive unless `walked` reached `nextCursor: null`."""
        if walked.complete or walked.stopped:
            return  # a walk a guard stopped is already a gap of the test's `Use`
        held = len(walked.items)
        planned = self._planned(walked)
        if planned is None or not planned.to_the_end:
            inconclusive(
                f"the walk read only its share of the {self.profile.name} plan, the first "
                f"{held:,} influencers, and the list goes on: its end was not checked"
            )
        inconclusive(
            f"the list did not end within the {planned.pages:,} pages at limit {planned.limit} "
            f"this run's plan gives the walk to the end (≥ {held:,} influencers), so its end "
            f"was not checked: {self.plan.further()}"
        )

    def sample(self, walked: Traversal) -> Sequence[Page]:
        """The pages of `walked` that checks of every item read: the first ones and the last,
        as many as the profile's `sample_pages` (all of them when that is None)."""
        wanted = self.profile.sample_pages
        if wanted is None or len(walked.pages) <= wanted:
            return walked.pages
        key = self._key_of(walked)
        if key is not None and key[0] == self.fixtures.project_id:
            self._use.sampled[key[1:]] = wanted
        return Pages([*walked.pages[: wanted - 1], walked.pages[-1]])

    def walks_done(self) -> list[Traversal]:
        """Every walk finished so far: its pages are the run's chains of dependent requests."""
        return self._memos()[1].results()

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
        self._ahead.submit([partial(job, self) for job in jobs], first=first)

    def take_use(self) -> Use:
        """What the probe gave since the last call: one test's `Use`."""
        use, self._use = self._use, Use()
        sent = self.client.requests_sent
        use.requests, self._counted = sent - self._counted, sent
        size = scope.list_size(self._main_walks())
        use.checked = "; ".join(
            filter(None, [scope.checked(use.walks, size, use.sampled), *use.compared])
        )
        return use

    def note(self, compared: str, changes: Iterable[Change] = ()) -> None:
        """Say what the running test compared (a pass then says it too), and the changes of
        the list it set aside: the reports list them, with its requirement as narrowed."""
        self._use.compared.append(compared)
        self._use.changes += changes

    def close(self) -> None:
        """Drop work not yet started, and wait for the jobs under way."""
        self._ahead.close()

    def _ahead_of_tests(self) -> bool:
        """No test asked for what this thread fetches: nobody's evidence yet."""
        return self._ahead.in_job()

    def _memos(self) -> tuple[Memo[Held], Memo[Traversal]]:
        """The answers and walks this thread asks of: a recheck's own, or the run's."""
        fresh: tuple[Memo[Held], Memo[Traversal]] | None = getattr(self._fresh, "memos", None)
        return fresh or (self._answers, self._walks)

    def _answered(self, exchanges: Iterable[Exchange]) -> None:
        if not self._ahead_of_tests():
            for exchange in exchanges:
                self.on_answer(exchange)

    def _ask(self, params: Query, project: str, credentials: CredentialsArg) -> Exchange:
        if self._ahead.closing and self._ahead_of_tests():
            raise RunClosed("the run is over: no more requests ahead of the tests")

        def send() -> Held:
            # Remembered as what a page holds of it: on disk, when its body is.
            sent = self.client.list_influencers(project, params, credentials=credentials)  # type: ignore[arg-type]
            return hold(self._kept(sent))

        answers = self._memos()[0]
        if answers is self._answers and self._as_configured(project, credentials):
            walk, cursor = continued(params)
            if cursor is not None:  # a walk's page (or the same request, whoever asks it)
                return held_exchange(self._pages.get(walk, cursor_key(cursor), send))
        return held_exchange(answers.get(self._answer_key(params, project, credentials), send))

    def _as_configured(self, project: str, credentials: CredentialsArg) -> bool:
        return project == self.fixtures.project_id and credentials is None

    def _answer_key(self, query: Query, project: str, credentials: CredentialsArg) -> Hashable:
        """What an answer is remembered by. For the project under test and the configured
        key (most of a run's requests: a walk's pages), the query alone; when it ends with a
        cursor, the query that cursor continues (the walk's, one object for all its pages)
        and the cursor: the run's memo keeps those by the cursor's digest alone
        (`cursor_key`), in a group for the query (`_pages`). Otherwise all three. A run
        remembers every answer, and a tuple more for each is 56 bytes or more; no two
        queries have one key (a query's items are pairs, never a project's id or a text)."""
        if self._as_configured(project, credentials):
            walk, cursor = continued(query)
            return query if cursor is None else (walk, cursor)
        return project, query, credentials

    def _kept(self, exchange: Exchange) -> Exchange:
        return exchange if self.bodies is None else self.bodies.keep(exchange)

    def _note(self, limit: int | None, status: str | None, walked: Traversal) -> None:
        self._use.walks[(limit, status)] = walked
        if walked.cut_by_guard and walked.stopped not in self._use.gaps:
            self._use.gaps.append(walked.stopped)
            self._use.unanswered |= walked.stop_kind == "no-answer"

    def _planned(self, walked: Traversal) -> WalkPlan | None:
        key = self._key_of(walked)
        return None if key is None else self.plan.walk(*key[1:])

    def _key_of(self, walked: Traversal) -> tuple[str, int | None, str | None] | None:
        walks = self._memos()[1].items()
        return next((key for key, known in walks if known is walked), None)

    def _main_walks(self) -> dict[WalkKey, Traversal]:
        main = self.fixtures.project_id
        walks = self._memos()[1].items()
        return {(limit, status): t for (p, limit, status), t in walks if p == main}

    def _walk(
        self,
        project: str,
        limit: int | None,
        status: str | None,
        fresh: bool = False,
        pages: int | None = None,
    ) -> Traversal:
        planned = self.plan.walk(limit, status)
        base = _query(limit, status)
        started = last_report = time.monotonic()
        label = f"walk at limit={limit or 'default'} status={status or 'any'}"

        def fetch(cursor: str | None) -> Exchange:
            params = base + ((("cursor", cursor),) if cursor is not None else ())
            if fresh:  # asked again, whatever the memo holds: the list may have changed
                exchange = self._kept(self.client.list_influencers(project, params))
            else:
                exchange = self._ask(params, project, None)
            self._answered([exchange])
            return exchange

        def progress(page: Page) -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report >= PROGRESS_EVERY_S:
                last_report = now
                used = f"{self.client.requests_sent:,}/{self.plan.budget:,} requests"
                self.on_progress(
                    f"{label}: page {page.number:,} of at most {planned.pages:,}, "
                    f"{now - started:.0f} s, still walking ({used} used)"
                )

        walked = walk(
            fetch,
            limit=limit,
            max_pages=planned.pages if pages is None else min(pages, planned.pages),
            max_items=planned.max_items,
            on_page=progress,
        )
        give_back_freed_memory()  # what parsing its pages freed, before the next walk's
        return walked


def _query(limit: int | None, status: str | None) -> Params:
    limit_part = (("limit", str(limit)),) if limit is not None else ()
    return limit_part + ((("status", status),) if status is not None else ())
