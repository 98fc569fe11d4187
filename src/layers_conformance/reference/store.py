"""SQLite storage and the keyset page query."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from layers_conformance.reference.dataset import ApiKey, Dataset, Influencer, Project
from layers_conformance.reference.model import ListQuery

SCHEMA = """
DROP TABLE IF EXISTS influencers;
DROP TABLE IF EXISTS projects;
DROP TABLE IF EXISTS api_keys;
CREATE TABLE projects (project_id TEXT PRIMARY KEY, org_id TEXT NOT NULL);
CREATE TABLE api_keys (key TEXT PRIMARY KEY, org_id TEXT NOT NULL, scopes TEXT NOT NULL);
CREATE TABLE influencers (
    influencer_id TEXT NOT NULL, project_id TEXT NOT NULL, name TEXT NOT NULL,
    gender TEXT NOT NULL, age_range TEXT NOT NULL, status TEXT NOT NULL,
    thumbnail_url TEXT NOT NULL, created_at INTEGER NOT NULL, archived INTEGER NOT NULL,
    PRIMARY KEY (project_id, archived, created_at DESC, influencer_id DESC)
) WITHOUT ROWID;
"""
# The table is kept in listing order (its key), so a page is one seek and a short scan, and
# rows arriving in that order are appended, not inserted: a million load in seconds. The
# status index is built after the bulk insert: one build is cheaper than a million updates.
INDEXES = """
CREATE INDEX influencers_status_page
    ON influencers (project_id, archived, status, created_at DESC, influencer_id DESC);
"""
# Nothing here needs to survive a crash: the dataset is rebuilt at every start.
PRAGMAS = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
COLUMNS = "influencer_id, name, gender, age_range, status, thumbnail_url, created_at"
# The leading `{col} {op}= :key` is implied by each predicate; it is there so SQLite seeks
# the index to the position instead of scanning every row newer than it.
BOUNDARIES = {
    "keyset": "({col} {op} :key OR ({col} = :key AND influencer_id {tie} :id))",
    "key_only": "{col} {op} :key",
    "key_inclusive": "{col} {op}= :key",
    "id_inclusive": "({col} {op} :key OR ({col} = :key AND influencer_id {tie}= :id))",
}
ARCHIVED = {"hide": "archived = 0", "show": "1 = 1", "only": "archived = 1"}


class Row(NamedTuple):
    """One influencer as the listing reads it."""

    influencer_id: str
    name: str
    gender: str
    age_range: str
    status: str
    thumbnail_url: str
    created_at: int


class Store:
    """The dataset loaded into SQLite (in memory unless given a file path)."""

    def __init__(self, dataset: Dataset, db_path: str = ":memory:") -> None:
        # The server's event loop is the only user; the connection is made on the caller's thread.
        self._db = sqlite3.connect(db_path, check_same_thread=False)
        self._db.executescript(PRAGMAS + SCHEMA)
        with self._db:
            self._db.executemany("INSERT INTO projects VALUES (?, ?)", dataset.projects)
            self._db.executemany("INSERT INTO api_keys VALUES (?, ?, ?)", dataset.keys)
            self._db.executemany(
                "INSERT INTO influencers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", dataset.influencers
            )
        self._db.executescript(INDEXES + "ANALYZE;")

    def close(self) -> None:
        """Release the connection."""
        self._db.close()

    def api_key(self, key: str, match: str = "exact") -> ApiKey | None:
        """The key's record, or None when no such key exists; `match` "case-blind" or
        "prefix" (a key some stored key starts with) is how a faulty server looks one up."""
        where = {
            "exact": "key = ?",
            "case-blind": "key = ? COLLATE NOCASE",
            "prefix": "substr(key, 1, length(?1)) = ?1",
        }[match]
        row = self._db.execute(f"SELECT * FROM api_keys WHERE {where}", (key,)).fetchone()
        return None if row is None else ApiKey(*row)

    def project(self, project_id: str) -> Project | None:
        """The project's record, or None when no such project exists."""
        sql = "SELECT * FROM projects WHERE project_id = ?"
        row = self._db.execute(sql, (project_id,)).fetchone()
        return None if row is None else Project(*row)

    def page(self, query: ListQuery) -> list[Row]:
        """Up to `query.fetch` rows after `query.after`, in the query's order."""
        sql, params = page_sql(query)
        return [Row(*row) for row in self._db.execute(sql, params)]

    # What a live reference's writer changes (`reference/live.py`); only live rows move.

    def live_count(self, project_id: str) -> int:
        """How many live influencers the project holds."""
        sql = "SELECT COUNT(*) FROM influencers WHERE project_id = ? AND archived = 0"
        count: int = self._db.execute(sql, (project_id,)).fetchone()[0]
        return count

    def nth_live(self, project_id: str, offset: int, statuses: tuple[str, ...]) -> Row | None:
        """The project's `offset`-th live influencer in listing order among `statuses`."""
        marks = ", ".join("?" * len(statuses))
        sql = (
            f"SELECT {COLUMNS} FROM influencers WHERE project_id = ? AND archived = 0 "
            f"AND status IN ({marks}) ORDER BY created_at DESC, influencer_id DESC "
            "LIMIT 1 OFFSET ?"
        )
        row = self._db.execute(sql, (project_id, *statuses, offset)).fetchone()
        return None if row is None else Row(*row)

    def add(self, row: Influencer) -> None:
        """Store a new influencer."""
        with self._db:
            self._db.execute("INSERT INTO influencers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def archive(self, project_id: str, influencer_id: str) -> None:
        """Archive a live influencer."""
        sql = "UPDATE influencers SET archived = 1 WHERE project_id = ? AND influencer_id = ?"
        with self._db:
            self._db.execute(sql + " AND archived = 0", (project_id, influencer_id))

    def move(self, project_id: str, influencer_id: str, status: str) -> None:
        """Give a live influencer another status."""
        sql = "UPDATE influencers SET status = ? WHERE project_id = ? AND influencer_id = ?"
        with self._db:
            self._db.execute(sql + " AND archived = 0", (status, project_id, influencer_id))


def page_sql(query: ListQuery) -> tuple[str, dict[str, object]]:
    """The page's SELECT and its named parameters."""
    where = ["project_id = :project", ARCHIVED[query.archived]]
    params: dict[str, object] = {"project": query.project_id, "fetch": query.fetch}
    if query.status is not None:
        where.append("status = :status")
        params["status"] = query.status
    if query.after is not None:
        where.append(_keyset(query))
        params.update(key=query.after.key, id=query.after.influencer_id)
    order = f"{query.sort_column} {_direction(query.descending)}"
    order += f", influencer_id {_direction(query.tie_descending)}"
    sql = f"SELECT {COLUMNS} FROM influencers WHERE {' AND '.join(where)} ORDER BY {order}"
    params["offset"] = query.offset
    return sql + " LIMIT :fetch OFFSET :offset", params


def _keyset(query: ListQuery) -> str:
    op, tie = _less(query.descending), _less(query.tie_descending)
    seek = f"{query.sort_column} {op}= :key AND "
    return seek + BOUNDARIES[query.boundary].format(col=query.sort_column, op=op, tie=tie)


def _direction(descending: bool) -> str:
    return "DESC" if descending else "ASC"


def _less(descending: bool) -> str:
    return "<" if descending else ">"
