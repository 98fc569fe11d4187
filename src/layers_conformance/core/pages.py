"""Recorded pages and traversals: the data every invariant is a function of."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Literal

from layers_conformance.core.exchange import Exchange, shorten

Item = dict[str, Any]
# The fields of an item that walks are compared by (order, repeats, filters, changes); the
# rest of it is read from the body by the checks of its shape.
COMPARED = ("influencerId", "createdAt", "status")
# What ended a walk before `nextCursor: null`. Evidence against the server: cycle (a cursor
# came back), empty-cursor ("" as a cursor), not-a-page (an HTTP answer that is not a 200
# page). The suite's own limits, no evidence either way: empty-pages (a guard: empty pages in
# a row still carrying cursors), no-answer (a timeout or a dropped connection).
StopKind = Literal["cycle", "empty-cursor", "not-a-page", "empty-pages", "no-answer"]
EVIDENCE_STOPS: tuple[StopKind, ...] = ("cycle", "empty-cursor", "not-a-page")


@dataclass(frozen=True, repr=False)
class Page:
    """One 200 answer, read as a page (`items` and `nextCursor` as far as they are usable)."""

    exchange: Exchange
    number: int
    limit: int | None
    items: tuple[Item, ...]
    next_cursor: str | None

    def __repr__(self) -> str:
        cursor = shorten(repr(self.next_cursor), 60)
        return f"Page({self.number}, {len(self.items)} items, nextCursor {cursor})"

    @property
    def ids(self) -> list[str]:
        return [item_id(item) for item in self.items]


@dataclass(frozen=True, repr=False)
class Traversal:
    """The pages met by following `nextCursor` from the first page.

    `stopped` is empty when the last page said `nextCursor: null`; otherwise it says why
    the walk ended early, and `stop_kind` which guard ended it (see `StopKind`).
    `prefix` is true when the walk stopped on purpose: it had used its share of the run's
    budget (see `probing.plan`), or held as many items as it was planned to.
    """

    pages: tuple[Page, ...]
    stopped: str = ""
    stop_kind: StopKind | None = None
    prefix: bool = False
    failed_exchange: Exchange | None = None

    def __repr__(self) -> str:
        end = "complete" if self.complete else "prefix" if self.prefix else self.stopped
        return f"Traversal({len(self.pages)} pages, {len(self.items)} items, {end})"

    @property
    def complete(self) -> bool:
        return not self.stopped and not self.prefix

    @property
    def cut_by_guard(self) -> bool:
        """Ended by the suite's own limits, not by anything the server did wrong."""
        return self.stop_kind is not None and self.stop_kind not in EVIDENCE_STOPS

    @property
    def items(self) -> list[Item]:
        return [item for page in self.pages for item in page.items]

    @property
    def ids(self) -> list[str]:
        return [item_id(item) for item in self.items]

    @property
    def exchanges(self) -> list[Exchange]:
        tail = [self.failed_exchange] if self.failed_exchange else []
        return [page.exchange for page in self.pages] + tail


def item_id(item: Item) -> str:
    """The item's id as text, whatever the server sent (a shape check reports bad types)."""
    return str(item.get("influencerId")) if isinstance(item, dict) else repr(item)


def read_page(exchange: Exchange, number: int, limit: int | None) -> Page | None:
    """The exchange as a page, or None when it is not a 200 JSON object with an items list.

    Its items keep only what comparisons read (`COMPARED`); the checks of every field read
    the body (`Exchange.json()`), so a run's memory does not hold each influencer whole.
    """
    body = exchange.json() if exchange.status == 200 else None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return None
    cursor = body.get("nextCursor")
    items = tuple(_compared(item) for item in body["items"])
    return Page(exchange, number, limit, items, cursor if isinstance(cursor, str) else None)


def _compared(item: object) -> Item:
    # An item as comparisons read it: the fields of `COMPARED` it has, as sent (text shared
    # with every other sighting of the same value), or a value that is no object as `_raw`.
    if not isinstance(item, dict):
        return {"_raw": item}
    return {key: _shared(item[key]) for key in COMPARED if key in item}


def _shared(value: object) -> object:
    return sys.intern(value) if type(value) is str else value
