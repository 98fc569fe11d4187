"""Text keys to integers, on disk for a run: what comparisons look up by influencer id.

A thorough run on a large list reads a million influencers. A dict from each id to where it
was seen would hold a million strings and entries in memory (over 150 MB), so a run's
indexes live in a nameless SQLite file in the folder the run owns, gone with the process;
in memory only what SQLite caches (a quarter of a megabyte each: a run has several at once,
and the operating system caches the file besides). Without a folder (checks unit-tested on
hand-made pages) an index is a dict.

Each key keeps its values in the order they were added: an influencer's sightings in the
order the pages were read, its places in the order of a listing.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

# What SQLite may cache of one index: its pages beyond that are read back from the file.
CACHE_KIB = 256
# Pairs written in one statement (a transaction each): few enough to stay small in memory.
BATCH = 2_000


class Index(Protocol):
    """Values under text keys, each key's in the order they were added."""

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        """Each value added under its key, after the values the key has."""

    def first(self, key: str) -> int | None:
        """The value added first under `key`, or None when it has none."""

    def values(self, key: str) -> tuple[int, ...]:
        """Every value under `key`, in the order they were added."""

    def __contains__(self, key: object) -> bool: ...

    def several(self) -> Iterator[str]:
        """The keys with more than one value (on a large list: the few influencers seen
        twice), each once."""


def open_index(folder: Path | None) -> Index:
    """An index on disk in `folder`, or in memory when there is none."""
    return MemoryIndex() if folder is None else DiskIndex.in_folder(folder)


class MemoryIndex:
    """An index as a dict: for hand-made pages and runs without a folder."""

    def __init__(self) -> None:
        self._values: dict[str, list[int]] = {}

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def first(self, key: str) -> int | None:
        values = self._values.get(key)
        return values[0] if values else None

    def values(self, key: str) -> tuple[int, ...]:
        return tuple(self._values.get(key, ()))

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def several(self) -> Iterator[str]:
        return (key for key, values in self._values.items() if len(values) > 1)


class DiskIndex:
    """An index in a nameless SQLite file. Threads share it: one statement at a time."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()
        # Closed with the last reference to it: a check's index goes with the check's truth.
        weakref.finalize(self, connection.close)
        self._added = 0  # the order of values under one key: the order they were added

    @classmethod
    def in_folder(cls, folder: Path) -> DiskIndex:
        folder.mkdir(parents=True, exist_ok=True)
        handle, path = tempfile.mkstemp(prefix="index-", suffix=".sqlite", dir=folder)
        os.close(handle)
        try:
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # No journal (a file beside it, by name) and no temporary files (SQLite would make
            # them outside the run's folder): the index is rebuilt by a run, never recovered.
            for pragma in (
                "journal_mode=OFF",
                "synchronous=OFF",
                "temp_store=MEMORY",
                "locking_mode=EXCLUSIVE",
                f"cache_size=-{CACHE_KIB}",
            ):
                db.execute(f"PRAGMA {pragma}")
            db.execute(
                "CREATE TABLE pairs (key BLOB NOT NULL, added INTEGER NOT NULL, "
                "value INTEGER NOT NULL, PRIMARY KEY (key, added)) WITHOUT ROWID"
            )
        finally:
            os.unlink(path)  # open, so SQLite keeps it until the connection closes
        return cls(db)

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        batch: list[tuple[bytes, int, int]] = []
        with self._lock:
            for key, value in pairs:
                batch.append((_bytes(key), self._added, value))
                self._added += 1
                if len(batch) >= BATCH:
                    self._write(batch)
                    batch = []
            self._write(batch)

    def _write(self, batch: list[tuple[bytes, int, int]]) -> None:
        if batch:
            with self._db:  # one transaction: a page of writes, not one per pair
                self._db.executemany("INSERT INTO pairs VALUES (?, ?, ?)", batch)

    def first(self, key: str) -> int | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM pairs WHERE key = ? ORDER BY added LIMIT 1", (_bytes(key),)
            ).fetchone()
        return None if row is None else int(row[0])

    def values(self, key: str) -> tuple[int, ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT value FROM pairs WHERE key = ? ORDER BY added", (_bytes(key),)
            ).fetchall()
        return tuple(int(row[0]) for row in rows)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return self.first(key) is not None

    def several(self) -> Iterator[str]:
        # Read a batch at a time (on a large list, 50,000 keys), the lock taken per batch:
        # between batches the caller may ask other questions of the index (SQLite reads with
        # a second statement while one is stepping), never add to it.
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM pairs GROUP BY key HAVING count(*) > 1 ORDER BY key"
            )
        try:
            while True:
                with self._lock:
                    batch = rows.fetchmany(BATCH)
                if not batch:
                    return
                yield from (bytes(row[0]).decode("utf-8", "surrogatepass") for row in batch)
        finally:
            rows.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _bytes(key: str) -> bytes:
    # An id is text as the server sent it, a lone surrogate and all: kept byte for byte.
    return key.encode("utf-8", "surrogatepass")
