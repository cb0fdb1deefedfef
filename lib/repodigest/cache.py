"""The embedded cache: one SQLite file of immutable JSON values, shared by every stage.

Commit details are keyed by (repo, sha) and never change; LLM analyses by (repo, sha, model,
prompt version, language). Values are written once and read forever, so concurrent runs only
ever race to write the same value: WAL mode, a busy timeout and ``INSERT OR REPLACE`` make two
runs at once safe.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from .errors import UserError

_TABLE_NAME_OK = set("abcdefghijklmnopqrstuvwxyz_")


def _retry(action, attempts: int = 50, pause: float = 0.1):
    """Run ``action``, retrying SQLite's "locked"/"busy" errors for up to about 5 s more."""
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if attempt == attempts - 1 or not any(w in str(exc).lower() for w in ("locked", "busy")):
                raise
            time.sleep(pause)


def default_cache_dir(configured: str | None = None) -> Path:
    """``configured``, else ``$REPODIGEST_CACHE_DIR``, else ``~/.cache/repodigest``."""
    value = configured or os.environ.get("REPODIGEST_CACHE_DIR") or "~/.cache/repodigest"
    return Path(value).expanduser()


class Cache:
    """Key -> JSON value tables in ``<dir>/cache.sqlite3``; safe across threads and processes."""

    def __init__(self, directory: str | os.PathLike | None = None, *, refresh: bool = False):
        self.dir = default_cache_dir(str(directory) if directory else None)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create cache directory {self.dir}: {exc.strerror}") from None
        self.path = self.dir / "cache.sqlite3"
        self.refresh = refresh  # read nothing, write everything
        self._local = threading.local()
        self._tables: set[str] = set()
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            # Switching to WAL while another process opens the same new file can report "locked"
            # without waiting on the busy handler: retry, bounded.
            _retry(lambda: conn.execute("PRAGMA journal_mode=WAL"))
            self._local.conn = conn
        return conn

    def _table(self, table: str) -> str:
        if not table or not set(table) <= _TABLE_NAME_OK:
            raise ValueError(f"bad cache table name {table!r}")
        if table not in self._tables:
            with self._lock:
                _retry(lambda: self._conn().execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"))
                self._tables.add(table)
        return table

    def get(self, table: str, key: str):
        """The JSON value stored under ``key``, or None (always None when refreshing)."""
        if self.refresh:
            return None
        name = self._table(table)
        row = _retry(lambda: self._conn().execute(f"SELECT value FROM {name} WHERE key = ?", (key,)).fetchone())
        return json.loads(row[0]) if row else None

    def get_many(self, table: str, keys: list[str]) -> dict:
        """The stored values of those ``keys`` that are present."""
        if self.refresh or not keys:
            return {}
        found = {}
        name = self._table(table)
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = _retry(lambda: self._conn().execute(f"SELECT key, value FROM {name} WHERE key IN ({marks})",
                                                      chunk).fetchall())
            for key, value in rows:
                found[key] = json.loads(value)
        return found

    def put(self, table: str, key: str, value) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        name = self._table(table)
        _retry(lambda: self._conn().execute(f"INSERT OR REPLACE INTO {name} (key, value) VALUES (?, ?)", (key, text)))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
