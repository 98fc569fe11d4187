"""A memo shared by threads: each key computed once, whoever asks first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

__all__ = ["Memo"]

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Done(Generic[V]):
    """What a finished computation gave: its value, or the exception it raised."""

    value: V | None
    error: Exception | None

    def result(self) -> V:
        if self.error is not None:
            raise self.error
        return cast(V, self.value)


class Memo(Generic[V]):
    """Each key computed once, even when several threads ask for it at the same time.

    The first asker computes; the others wait for its result. An exception is remembered as
    the answer too (a spent budget stays spent), so every asker sees the same outcome. A key
    is a `Future` only while it is computed, then its outcome alone: a run remembers every
    answer it was given, and a future (a lock, a condition, its queue) costs a kilobyte.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, Future[V] | _Done[V]] = {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = Future()
        if isinstance(entry, _Done):
            return entry.result()
        if owner:
            done = _run(compute)
            with self._lock:
                self._entries[key] = done
            if done.error is not None:  # those already waiting learn it from the future
                entry.set_exception(done.error)
            else:
                entry.set_result(done.result())
        return entry.result()

    def __len__(self) -> int:
        return len(self._entries)

    def results(self) -> list[V]:
        """The values computed so far (errors left out)."""
        return [value for _, value in self.items()]

    def items(self) -> list[tuple[Any, V]]:
        """The keys and values computed so far (errors left out)."""
        with self._lock:
            entries = list(self._entries.items())
        return [
            (key, entry.result())
            for key, entry in entries
            if isinstance(entry, _Done) and entry.error is None
        ]


def _run(compute: Callable[[], V]) -> _Done[V]:
    try:
        return _Done(compute(), None)
    except Exception as error:
        return _Done(None, error)
