"""A memo shared by threads: each key computed once, whoever asks first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from layers_conformance.core.digests import LARGEST, DigestTable
from layers_conformance.core.exchange import Held, Stored

__all__ = ["Grouped", "KeptAnswers", "Memo"]

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Failed:
    """What a computation raised: every asker gets it again."""

    error: Exception


class Memo(Generic[V]):
    """Each key computed once, even when several threads ask for it at the same time.

    The first asker computes; the others wait for its result. An exception is remembered as
    the answer too (a spent budget stays spent), so every asker sees the same outcome. A key
    is a `Future` only while it is computed, then its value itself (an exception, `_Failed`):
    a run remembers every answer it was given, and a future (a lock, a condition, its queue)
    costs a kilobyte, a wrapper around each value 64 bytes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, Future[V] | _Failed | V] = {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            entry = self._found(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = Future()
        if not isinstance(entry, Future):
            return _outcome(entry)
        if owner:
            try:
                value = compute()
            except Exception as error:  # those already waiting learn it from the future
                with self._lock:
                    self._entries[key] = _Failed(error)
                entry.set_exception(error)
            else:
                with self._lock:
                    self._settle(key, value)
                entry.set_result(value)
        return cast(V, entry.result())

    def _found(self, key: Hashable) -> Future[V] | _Failed | V | None:
        # What the memo has for `key` (under its lock), or None.
        return self._entries.get(key)

    def _settle(self, key: Hashable, value: V) -> None:
        # `value` computed for `key` (under its lock).
        self._entries[key] = value

    def __len__(self) -> int:
        return len(self._entries)

    def results(self) -> list[V]:
        """The values computed so far (errors left out)."""
        return [value for _, value in self.items()]

    def items(self) -> list[tuple[Any, V]]:
        """The keys and values computed so far (errors left out)."""
        with self._lock:
            entries = list(self._entries.items())
        return [(key, entry) for key, entry in entries if not isinstance(entry, Future | _Failed)]


class KeptAnswers(Memo[Held]):
    """Answers by a 16-byte digest (`cursor_key`); those kept on disk (a run's: `Stored`)
    as numbers in a `DigestTable`, with no object an entry; others as any memo holds them. A
    run remembers each of its walks' twenty thousand pages (issue 23)."""

    def __init__(self) -> None:
        super().__init__()
        self._kept = DigestTable()

    def _found(self, key: Hashable) -> Future[Held] | _Failed | Held | None:
        number = self._kept.get(key) if isinstance(key, bytes) else None
        return super()._found(key) if number is None else Stored.of(number)

    def _settle(self, key: Hashable, value: Held) -> None:
        if isinstance(key, bytes) and isinstance(value, Stored) and value <= LARGEST:
            self._kept.put(key, value)
            del self._entries[key]
        else:
            super()._settle(key, value)

    def __len__(self) -> int:
        return super().__len__() + len(self._kept)

    def items(self) -> list[tuple[Any, Held]]:
        with self._lock:
            kept = [(key, Stored.of(number)) for key, number in self._kept.items()]
        return kept + super().items()


class Grouped(Generic[V]):
    """Memos by group, each key computed once in its group. A key shared by many values
    (a walk's query, by each of its pages: their cursors tell them apart) is then kept once
    for the group, not in a tuple with each value's own (56 bytes each, issue 23)."""

    def __init__(self, memo: Callable[[], Memo[V]] = Memo) -> None:
        self._lock = threading.Lock()
        self._groups: dict[Hashable, Memo[V]] = {}
        self._memo = memo  # what makes a group's memo

    def get(self, group: Hashable, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            memo = self._groups.get(group)
            if memo is None:
                memo = self._groups[group] = self._memo()
        return memo.get(key, compute)


def _outcome(entry: _Failed | V) -> V:
    if isinstance(entry, _Failed):
        raise entry.error
    return entry
