"""A live reference: a writer that creates, archives and moves influencers as requests come.

Production lists change while a run reads them; this writer makes the reference's main
project do the same, keyed to the server's own request count, so one seed makes the same
changes at the same requests (and, at concurrency 1, the same run). Every change is one the
page allows: an influencer is created (a draft, newest of all: its `createdAt` is the
server's clock, which starts at the dataset's newest time and ticks a second a request),
archived (for good), or moved one step along its lifecycle `draft -> pending -> training ->
ready` (or `failed`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from layers_conformance.reference.dataset import NEWEST, STATUSES, Dataset, new_influencer
from layers_conformance.reference.store import Row, Store

ChangeKind = Literal["created", "archived", "moved"]
NEXT_STATUS = {"draft": ("pending",), "pending": ("training",), "training": ("ready", "failed")}
# How often each kind of change is drawn: the list grows a little, as a used one does.
KINDS: tuple[ChangeKind, ...] = ("created", "archived", "moved")
WEIGHTS = (35, 25, 40)
# Changes fall among the newest influencers, where a run's walks read (a run on a million
# reads the first pages of most walks; a change deep in the list would go unseen).
WINDOW = 2_000


@dataclass(frozen=True)
class LiveSettings:
    """About one change every `rate` requests (at least 1), drawn from `seed`."""

    rate: float
    seed: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 1):
            raise ValueError(f"live rate={self.rate!r} must be a number of requests, at least 1")


@dataclass(frozen=True)
class Change:
    """One change the writer made, just before it answered request number `request`."""

    request: int
    kind: ChangeKind
    influencer_id: str
    status: str  # the influencer's status after the change
    was: str | None = None  # its status before a move


@dataclass
class LiveWriter:
    """Changes the main project's list as the server counts its requests."""

    dataset: Dataset
    store: Store
    settings: LiveSettings
    requests: int = 0
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.settings.seed}-live")
        self._project = self.dataset.fixtures.project_id
        self._live = self.store.live_count(self._project)
        self._due = self._gap()

    def on_request(self) -> None:
        """Count a request; make the change due at it, if any (at most one a request)."""
        self.requests += 1
        if self.requests >= self._due:
            self._change()
            self._due = self.requests + self._gap()

    def _gap(self) -> int:
        # Uniform on 1 .. 2*rate-1: a mean of `rate` requests between two changes.
        return self._rng.randint(1, max(1, round(2 * self.settings.rate) - 1))

    def _change(self) -> None:
        kind = self._rng.choices(KINDS, WEIGHTS)[0]
        change = None
        if kind == "archived":
            change = self._archive()
        elif kind == "moved":
            change = self._move()
        self.changes.append(change or self._create())

    def _create(self) -> Change:
        row = new_influencer(self._rng, self._project, NEWEST + self.requests)
        self.store.add(row)
        self._live += 1
        return Change(self.requests, "created", row.influencer_id, row.status)

    def _archive(self) -> Change | None:
        row = self._pick(STATUSES)
        if row is None or self._live <= 1:
            return None
        self.store.archive(self._project, row.influencer_id)
        self._live -= 1
        return Change(self.requests, "archived", row.influencer_id, row.status)

    def _move(self) -> Change | None:
        row = self._pick(tuple(NEXT_STATUS))
        if row is None:
            return None
        status = self._rng.choice(NEXT_STATUS[row.status])
        self.store.move(self._project, row.influencer_id, status)
        return Change(self.requests, "moved", row.influencer_id, status, was=row.status)

    def _pick(self, statuses: tuple[str, ...]) -> Row | None:
        """A live influencer among `statuses`, drawn within the window (nearer the head
        when fewer of them are live than the draw reached)."""
        offset = self._rng.randrange(min(self._live, WINDOW))
        for nearer in (offset, offset // 4, 0):
            row = self.store.nth_live(self._project, nearer, statuses)
            if row is not None:
                return row
        return None
