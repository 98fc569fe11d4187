"""The suite's view of one target: requests answered once, traversals walked once.

Checks share what a run has already seen, so the same page is never fetched twice for
two checks; that keeps a run inside its request budget and its time.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from layers_conformance.checks.params import DEFAULT_LIMIT
from layers_conformance.checks.violations import inconclusive
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Page, Traversal, read_page
from layers_conformance.core.targets import Fixtures
from layers_conformance.probing.client import NO_CREDENTIALS, CallCredentials, Credentials
from layers_conformance.probing.profiles import Profile
from layers_conformance.probing.traversal import walk

Params = tuple[tuple[str, str], ...]
CredentialsArg = Credentials | None | object
PROGRESS_EVERY_S = 2.0


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

    def sent_as(self, scheme: str, key: str | None = None) -> Credentials:
        """The key (by default the configured one) sent as `scheme`.

        `scheme` is "bearer" or "x-api-key", or "configured" / "other" relative to the target.
        """
        configured = self.configured.scheme
        other = "bearer" if configured == "x-api-key" else "x-api-key"
        chosen = {"configured": configured, "other": other}.get(scheme, scheme)
        return Credentials(chosen, self.configured.key if key is None else key)  # type: ignore[arg-type]


@dataclass
class Probe:
    """Requests to one target, remembered by what was asked."""

    client: Source
    fixtures: Fixtures
    profile: Profile
    keys: Keys
    seed: int = 0
    on_progress: Callable[[str], None] = lambda _message: None
    _answers: dict[tuple[str, Params, object], Exchange] = field(default_factory=dict)
    _walks: dict[tuple[str, int | None, str | None], Traversal] = field(default_factory=dict)

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
        project = project_id or self.fixtures.project_id
        key = (project, tuple(params), credentials)
        if key not in self._answers:
            self._answers[key] = self.client.list_influencers(
                project,
                tuple(params),
                credentials=credentials,  # type: ignore[arg-type]
            )
        return self._answers[key]

    def traverse(
        self, limit: int | None = None, status: str | None = None, project_id: str | None = None
    ) -> Traversal:
        """The walk at this page size and filter, within the profile's caps."""
        project = project_id or self.fixtures.project_id
        key = (project, limit, status)
        if key not in self._walks:
            self._walks[key] = self._walk(project, limit, status)
        walked = self._walks[key]
        if not walked.pages:
            inconclusive(f"no traversal at limit={limit} status={status}: {walked.stopped}")
        return walked

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
