"""``SQLiteCache``: entries in one SQLite file (the stdlib's sqlite3), shared by the threads
and processes that open it.

- WAL journal, so readers never wait for a writer; each write is one ``BEGIN IMMEDIATE``
  transaction, so two processes writing one key leave one whole entry, never a mix;
- a body is stored in pieces (``PIECE`` bytes each, rows of their own) next to its length, so
  no single row holds a large response, and a truncated one is detected on read;
- bounded in bytes: past ``max_bytes`` the least recently used entries are deleted;
- a file that is corrupt, truncated or not a database at all, or a disk that fails, is a miss
  (or a write dropped), never an exception in the caller's request.

Each thread has its own connection (sqlite3 connections belong to a thread); an AsyncClient's
calls run in worker threads (``asyncio.to_thread``), off the event loop.
"""

from __future__ import annotations

import os
import threading
import time
import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    import sqlite3

__all__ = ["SQLiteCache"]
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
PIECE = 256 * 1024
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, meta BLOB NOT NULL, length INTEGER NOT NULL,
    size INTEGER NOT NULL, used REAL NOT NULL);
CREATE INDEX IF NOT EXISTS entries_used ON entries (used);
CREATE TABLE IF NOT EXISTS pieces (
    key TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, n));
"""


class SQLiteCache:
    """Cache storage in a SQLite file, bounded by bytes, safe for several threads and
    processes at once. ``Client(cache=restwell.SQLiteCache("cache.sqlite", max_bytes=...))``,
    or just ``Client(cache="cache.sqlite")``."""

    def __init__(self, path: str | os.PathLike[str],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = os.fspath(path)
        self.max_bytes = max_bytes
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<SQLiteCache {self.path!r}>"

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            import sqlite3  # here: import restwell loads no database

            db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                 check_same_thread=False)
            try:
                db.execute("PRAGMA busy_timeout = 10000")
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.executescript(_SCHEMA)
            except BaseException:
                db.close()
                raise
            self._local.db = db
            with self._lock:
                self._opened.append(db)
        return db

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        """The (meta, body) stored under ``key``; None when it is not stored, or what is
        stored does not read back whole."""
        import sqlite3

        try:
            db = self._db()
            db.execute("BEGIN")  # one snapshot for the entry and its pieces (a put may run)
            try:
                row = db.execute("SELECT meta, length FROM entries WHERE key = ?",
                                 (key,)).fetchone()
                pieces = [] if row is None else [bytes(data) for (data,) in db.execute(
                    "SELECT data FROM pieces WHERE key = ? ORDER BY n", (key,))]
            finally:
                db.execute("COMMIT")
            if row is None:
                return None
            body = b"".join(pieces)
            if len(body) != row[1]:
                return None  # truncated: a miss (the next put replaces it)
            self._touch(db, key)
            return bytes(row[0]), body
        except (sqlite3.Error, OSError, TypeError, ValueError):
            return None

    def _touch(self, db: sqlite3.Connection, key: str) -> None:
        """Mark ``key`` used now, for eviction; a busy database skips it, never waits."""
        import sqlite3

        try:
            db.execute("UPDATE entries SET used = ? WHERE key = ?", (time.time(), key))
        except sqlite3.OperationalError:
            pass

    def put(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """Store (meta, body) under ``key`` in one transaction, then evict past the bound; a
        value larger than the bound is not stored. A failed write is dropped."""
        import sqlite3

        size = len(key) + len(meta) + len(body)
        try:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM pieces WHERE key = ?", (key,))
                db.execute("DELETE FROM entries WHERE key = ?", (key,))
                if size <= self.max_bytes:
                    db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
                               (key, meta, len(body), size, time.time()))
                    db.executemany("INSERT INTO pieces VALUES (?, ?, ?)", (
                        (key, n, body[start:start + PIECE])
                        for n, start in enumerate(range(0, len(body), PIECE))))
                    self._evict(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError):
            return

    def _evict(self, db: sqlite3.Connection) -> None:
        """Delete the least recently used entries until the bytes stored fit the bound."""
        (total,) = db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()
        if total <= self.max_bytes:
            return
        for key, size in db.execute("SELECT key, size FROM entries ORDER BY used").fetchall():
            db.execute("DELETE FROM pieces WHERE key = ?", (key,))
            db.execute("DELETE FROM entries WHERE key = ?", (key,))
            total -= size
            if total <= self.max_bytes:
                return

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        import sqlite3

        try:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM pieces WHERE key = ?", (key,))
            db.execute("DELETE FROM entries WHERE key = ?", (key,))
            db.execute("COMMIT")
        except (sqlite3.Error, OSError):
            return

    def keys(self) -> typing.Iterator[str]:
        """Every key stored (none when the file cannot be read)."""
        import sqlite3

        try:
            rows = self._db().execute("SELECT key FROM entries").fetchall()
        except (sqlite3.Error, OSError):
            rows = []
        return iter([key for (key,) in rows])

    def size(self) -> int:
        """Bytes stored: keys, meta and bodies (0 when the file cannot be read)."""
        import sqlite3

        try:
            row = self._db().execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()
        except (sqlite3.Error, OSError):
            return 0
        return int(row[0])

    def close(self) -> None:
        """Close every connection this store opened (it opens new ones if used again)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()

    async def aget(self, key: str) -> tuple[bytes, bytes] | None:
        """``get`` for an AsyncClient, in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self.get, key)

    async def aput(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """``put`` for an AsyncClient, in a worker thread."""
        import asyncio

        await asyncio.to_thread(self.put, key, meta, body, ttl)

    async def adelete(self, key: str) -> None:
        """``delete`` for an AsyncClient, in a worker thread."""
        import asyncio

        await asyncio.to_thread(self.delete, key)
