"""A memo shared by threads: each key computed once, whoever asks first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

__all__ = ["Memo"]

V = TypeVar("V")


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
        return [value for _, value in self.items()]

    def items(self) -> list[tuple[Any, V]]:
        """The keys and values computed so far (errors left out)."""
        with self._lock:
            entries = list(self._futures.items())
        return [
            (key, f.result())
            for key, f in entries
            if f.done() and not f.cancelled() and not f.exception()
        ]
