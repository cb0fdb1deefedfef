"""The embedded cache: one SQLite file of immutable JSON values, shared by every stage.

Commit details are keyed by (repo, sha) and never change; LLM analyses by (repo, sha, model,
language). Values are written once and read forever, so concurrent runs only ever race to write the
same value: WAL mode, a busy timeout and ``INSERT OR REPLACE`` make two runs at once safe.

Every table is declared once as a :class:`Table`: its name and the version of what its values mean
(their shape, and the rules or prompts that made them). The cache stores each key with its table's
version, so a value written under another version is never read: one way to version every table.

The cache holds nothing that cannot be fetched again, so it never stops a run. A file that is
damaged, not a repodigest cache, or written by a newer schema is moved aside (with its -wal,
-shm and -journal files) to ``cache.sqlite3.corrupt-<UTC time>`` and a fresh cache is started;
an error while writing (full disk, read-only directory) turns caching off for the rest of the
run, an error while reading turns the cache off. Each is said once, in one line, on the
``repodigest.cache`` logger and in :attr:`Cache.warnings` (which the CLI prints).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "cache.sqlite3"
# PRAGMA user_version. 0 is a cache from before versions: same tables, adopted as version 1.
# Bump when a table's shape changes (and migrate or set aside the older versions in _open).
SCHEMA_VERSION = 1
_SIDE_FILES = ("-wal", "-shm", "-journal")
_COLUMNS = [("key", "TEXT", 0, 1), ("value", "TEXT", 1, 0)]  # name, type, not null, primary key
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)
_TABLE_NAME_OK = set("abcdefghijklmnopqrstuvwxyz_")
log = logging.getLogger(__name__)


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


def _damaged(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in _DAMAGED


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, sqlite3.Error) else (getattr(exc, "strerror", None) or str(exc))


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _connect(path: Path) -> sqlite3.Connection:
    # One connection per Cache, shared by its threads under Cache._lock.
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _problem(conn: sqlite3.Connection) -> str | None:
    """Why the database on ``conn`` is not a cache this version can use, or None."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        return f"written by a newer repodigest (cache schema {version}, this one reads {SCHEMA_VERSION})"
    for kind, name, table in conn.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall():
        if name.startswith("sqlite_") or (kind == "index" and name == f"sqlite_autoindex_{table}_1"):
            continue
        if kind != "table":
            return f"not a repodigest cache (it has the {kind} {name!r})"
        columns = conn.execute('SELECT name, upper(type), "notnull", pk FROM pragma_table_info(?)', (name,)).fetchall()
        if columns != _COLUMNS:
            return f"not a repodigest cache (its table {name!r} is not a key/value table)"
    return None


def _check(path: Path) -> str | None:
    """Why the file at ``path`` cannot be used as this version's cache; None when it can (or is missing)."""
    if not os.path.lexists(path):
        return None
    if not path.is_file():
        return "not a file"
    if not os.access(path, os.R_OK | os.W_OK):
        return "not readable and writable by this user"
    conn = _connect(path)
    try:
        return _retry(lambda: _problem(conn))
    except sqlite3.Error as exc:
        if _damaged(exc):
            return f"damaged ({exc})"
        raise
    finally:
        conn.close()


def _move_aside(path: Path) -> Path:
    """Rename ``path`` and its side files to ``<path>.corrupt-<UTC time>``; the new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while os.path.lexists(aside):
        aside, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    os.replace(path, aside)
    # SQLite finds these by name: left behind, a foreign WAL or journal would be replayed into the fresh file.
    for suffix in _SIDE_FILES:
        try:
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
        except FileNotFoundError:
            pass
    return aside


@dataclass(frozen=True)
class Table:
    """A cached table: its ``name`` (lowercase letters and "_") and the ``version`` of what its values
    mean. Bump the version when their shape, or a rule or prompt that made them, changes."""

    name: str
    version: str

    def __post_init__(self) -> None:
        if not self.name or not set(self.name) <= _TABLE_NAME_OK:
            raise ValueError(f"bad cache table name {self.name!r}")
        if not self.version or "|" in self.version:
            raise ValueError(f"cache table {self.name!r} needs a version without '|', not {self.version!r}")

    def stored(self, key: str) -> str:
        """``key`` as the table stores it: with the version, so another version's value never matches."""
        return f"{self.version}|{key}"


@contextmanager
def _file_lock(path: Path):
    """An exclusive lock between processes: one at a time checks, sets aside and creates the file."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Cache:
    """Key -> JSON value tables in ``<dir>/cache.sqlite3``; safe across threads and processes.

    Reads and writes never raise for the file's sake: a damaged file is set aside, a failing disk
    turns the cache off; :attr:`warnings` holds one line for each such event."""

    def __init__(self, directory: str | os.PathLike | None = None, *, refresh: bool = False):
        self.dir = default_cache_dir(str(directory) if directory else None)
        self.path = self.dir / FILE_NAME
        self.refresh = refresh  # read nothing, write everything
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None  # of the file self._conn has open
        self._tables: set[str] = set()
        self._reads = self._writes = True  # turned off by an error that setting the file aside cannot cure

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning(message)

    def _turn_off(self, exc: BaseException, writing: bool) -> None:
        self._writes = False
        if writing:
            self._warn(f"cannot write to the cache {self.path} ({_why(exc)}): continuing without caching")
        else:
            self._reads = False
            self._warn(f"cannot use the cache {self.path} ({_why(exc)}): continuing without a cache")

    def _open(self, failed: tuple[int | None, str] | None = None) -> None:
        """Connect to the cache file, first setting aside one that cannot be used.

        ``failed``: (inode, error) of the file this Cache had open when a read or write found it
        damaged; set aside only if it is still the file at ``self.path``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.dir / f"{FILE_NAME}.lock"):
            inode = _inode(self.path)
            why: str | None
            if failed and failed[0] == inode:
                why = f"damaged ({failed[1]})"
            else:  # another process may have set it aside and started a fresh one meanwhile
                why = _check(self.path)
            if why:
                aside = _move_aside(self.path)
                self._warn(f"cache file {self.path} is {why}: moved aside to {aside}; starting a fresh cache")
            conn = _connect(self.path)
            try:
                # Switching to WAL while another process opens the same new file can report "locked"
                # without waiting on the busy handler: retry, bounded.
                _retry(lambda: conn.execute("PRAGMA journal_mode=WAL"))
                if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    _retry(lambda: conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}"))
            except BaseException:
                conn.close()
                raise
            self._conn, self._inode, self._tables = conn, _inode(self.path), set()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _run(self, action, writing: bool):
        """``action(conn)`` under the lock. A damaged file is set aside and ``action`` tried once
        on the fresh one; any other error turns the cache off (``writing``: only its writes)."""
        with self._lock:
            for attempt in range(2):
                if not (self._writes if writing else self._reads):
                    return None
                try:
                    if self._conn is None:
                        self._open()
                    return _retry(lambda: action(self._conn))
                except sqlite3.Error as exc:
                    if not (attempt == 0 and _damaged(exc) and self._conn is not None):
                        self._turn_off(exc, writing and self._conn is not None)
                        return None
                    failed = (self._inode, _why(exc))
                    self._close()  # before the rename: SQLite deletes -wal and -shm by name on close
                    try:
                        self._open(failed)
                    except (sqlite3.Error, OSError) as again:
                        self._turn_off(again, False)
                        return None
                except OSError as exc:  # the directory or its lock file
                    self._turn_off(exc, False)
                    return None

    def _select(self, sql: str, args) -> list:
        def action(conn):
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if str(exc).startswith("no such table"):  # nothing was ever written to it
                    return []
                raise

        return self._run(action, writing=False) or []

    def get(self, table: Table, key: str):
        """The JSON value stored under ``key`` in ``table`` at its version, or None (always None when
        refreshing)."""
        if self.refresh:
            return None
        rows = self._select(f"SELECT key, value FROM {table.name} WHERE key = ?", (table.stored(key),))
        return _decoded(rows).get(table.stored(key))

    def get_many(self, table: Table, keys: list[str]) -> dict:
        """The stored values (at ``table``'s version) of those ``keys`` that are present, by key."""
        if self.refresh or not keys:
            return {}
        found: dict = {}
        stored = {table.stored(key): key for key in keys}
        names = list(stored)
        for start in range(0, len(names), 500):  # SQLite's bound-parameter limit
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._select(f"SELECT key, value FROM {table.name} WHERE key IN ({marks})", chunk)
            found.update((stored[name], value) for name, value in _decoded(rows).items())
        return found

    def put(self, table: Table, key: str, value) -> None:
        """Store ``value`` (JSON-serialisable) under ``key`` in ``table`` at its version; skipped once
        writing has failed."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        name = table.name

        def action(conn):
            if name not in self._tables:
                conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self._tables.add(name)
            conn.execute(f"INSERT OR REPLACE INTO {name} (key, value) VALUES (?, ?)", (table.stored(key), text))

        self._run(action, writing=True)

    def put_many(self, table: Table, items: Mapping[str, object]) -> None:
        """Store each value of ``items`` under its key in ``table`` at its version, in one transaction (one
        disk sync for them all)."""
        if not items:
            return
        rows = [
            (table.stored(key), json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            for key, value in items.items()
        ]
        name = table.name

        def action(conn):
            if name not in self._tables:
                conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self._tables.add(name)
            with conn:  # BEGIN ... COMMIT, or ROLLBACK on an error
                conn.execute("BEGIN")
                conn.executemany(f"INSERT OR REPLACE INTO {name} (key, value) VALUES (?, ?)", rows)

        self._run(action, writing=True)

    def close(self) -> None:
        with self._lock:
            self._close()


def _decoded(rows: list) -> dict:
    """key -> value of ``rows``; a value that is not JSON counts as absent."""
    found = {}
    for key, text in rows:
        try:
            found[key] = json.loads(text)
        except (TypeError, ValueError):
            continue
    return found
