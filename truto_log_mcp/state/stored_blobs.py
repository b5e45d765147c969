"""``BlobStore`` in a shared state store: the scan cache of every process (sqlite) or replica (Redis).

Chosen when ``TRUTO_STATE_URL`` is ``sqlite://`` or ``redis://`` (``StateStore.blobs``): what one
``truto-log-mcp call`` (or replica) read, the next answers from. Same rules as ``MemoryBlobStore``:
a value is read back only under its namespace (a token's hash); the store's total is bounded by
``max_bytes`` (each value counted as its bytes, its key's and ``ENTRY_OVERHEAD``); when over, the
namespace holding the most loses its least recently used value.

* SQLite: one table and a per-namespace total kept by triggers; every operation one transaction.
* Redis: Lua scripts (``redis_scripts.BLOB_*``), one round trip each (``put_if`` compares and puts in
  one script: atomic). Values are plain keys that
  Redis expires itself; the accounting (sizes, uses, per-namespace and total bytes) is swept of
  expired values when their namespace next puts, or when it is the fullest and the store is over
  its bound (expired values go before live ones). So the total may count values that already
  expired, never fewer than are held: the bound is kept, approximately early. It is independent of
  Redis's ``maxmemory`` (which should leave room for it: see docs/deployment.md).

A store that is down raises ``StateUnavailable``; the scan cache's caller (``upstream/cached_scan``)
then reads the window upstream: the cache never fails an answer.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from truto_log_mcp.state.blobs import ENTRY_OVERHEAD

if TYPE_CHECKING:
    from truto_log_mcp.state.redis_store import RedisStore
    from truto_log_mcp.state.sqlite_store import SqliteStore

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS blobs (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, size INTEGER NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (namespace, key));
CREATE INDEX IF NOT EXISTS blobs_by_use ON blobs (namespace, used);
CREATE INDEX IF NOT EXISTS blobs_by_expiry ON blobs (expires_at);
CREATE TABLE IF NOT EXISTS blob_totals (namespace TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS blob_totals_in AFTER INSERT ON blobs BEGIN
    INSERT INTO blob_totals VALUES (NEW.namespace, NEW.size)
        ON CONFLICT (namespace) DO UPDATE SET size = size + NEW.size;
END;
CREATE TRIGGER IF NOT EXISTS blob_totals_out AFTER DELETE ON blobs BEGIN
    UPDATE blob_totals SET size = size - OLD.size WHERE namespace = OLD.namespace;
    DELETE FROM blob_totals WHERE namespace = OLD.namespace AND size <= 0;
END;
"""


def entry_size(namespace: str, key: str, value: bytes) -> int:
    return len(value) + len(key) + len(namespace) + ENTRY_OVERHEAD


class SqliteBlobStore:
    """``BlobStore`` in the sqlite state file (shared by the processes of one machine)."""

    def __init__(self, store: SqliteStore, max_bytes: int) -> None:
        self._store = store
        self._max_bytes = max_bytes

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    async def get(self, namespace: str, key: str) -> bytes | None:
        def work(db: sqlite3.Connection) -> bytes | None:
            found = db.execute(
                "SELECT value FROM blobs WHERE namespace = ? AND key = ? AND expires_at > ?",
                (namespace, key, self._store.now()),
            ).fetchone()
            if found is None:
                return None
            db.execute("UPDATE blobs SET used = ? WHERE namespace = ? AND key = ?", (_next_use(db), namespace, key))
            return bytes(found[0])

        return await self._store.run(work)

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        return await self._store.run(lambda db: self._put(db, namespace, key, value, ttl_s))

    async def put_if(self, namespace: str, key: str, expected: bytes | None, value: bytes, ttl_s: float) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            held = db.execute(
                "SELECT value FROM blobs WHERE namespace = ? AND key = ? AND expires_at > ?",
                (namespace, key, self._store.now()),
            ).fetchone()
            if (None if held is None else bytes(held[0])) != expected:
                return False
            return self._put(db, namespace, key, value, ttl_s)

        return await self._store.run(work)  # one transaction: no other process writes between

    def _put(self, db: sqlite3.Connection, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        size = entry_size(namespace, key, value)
        now = self._store.now()
        db.execute("DELETE FROM blobs WHERE expires_at <= ? OR (namespace = ? AND key = ?)", (now, namespace, key))
        if size > self._max_bytes:
            return False
        db.execute(
            "INSERT INTO blobs VALUES (?, ?, ?, ?, ?, ?)",
            (namespace, key, value, size, now + ttl_s, _next_use(db)),
        )
        while (db.execute("SELECT COALESCE(SUM(size), 0) FROM blob_totals").fetchone()[0]) > self._max_bytes:
            (fullest,) = db.execute("SELECT namespace FROM blob_totals ORDER BY size DESC LIMIT 1").fetchone()
            db.execute(
                "DELETE FROM blobs WHERE rowid = (SELECT rowid FROM blobs WHERE namespace = ? ORDER BY used LIMIT 1)",
                (fullest,),
            )
        return True

    async def delete(self, namespace: str, key: str) -> None:
        await self._store.run(
            lambda db: db.execute("DELETE FROM blobs WHERE namespace = ? AND key = ?", (namespace, key))
        )

    async def bytes_used(self, namespace: str | None = None) -> int:
        def work(db: sqlite3.Connection) -> int:
            if namespace is None:
                return int(db.execute("SELECT COALESCE(SUM(size), 0) FROM blob_totals").fetchone()[0])
            found = db.execute("SELECT size FROM blob_totals WHERE namespace = ?", (namespace,)).fetchone()
            return 0 if found is None else int(found[0])

        return await self._store.run(work)


def _next_use(db: sqlite3.Connection) -> int:
    (use,) = db.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'sequence' RETURNING value"
    ).fetchone()
    return int(use)


class RedisBlobStore:
    """``BlobStore`` in Redis (shared by the replicas of a deployment)."""

    def __init__(self, store: RedisStore, max_bytes: int) -> None:
        from truto_log_mcp.state import redis_scripts

        self._store = store
        self._max_bytes = max_bytes
        self._get = store.client.register_script(redis_scripts.BLOB_GET)
        self._put = store.client.register_script(redis_scripts.BLOB_PUT)
        self._put_if = store.client.register_script(redis_scripts.BLOB_PUT_IF)
        self._delete = store.client.register_script(redis_scripts.BLOB_DELETE)

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    async def get(self, namespace: str, key: str) -> bytes | None:
        value = await self._store.run(lambda: self._get(args=[namespace, key]))
        return value if isinstance(value, bytes) else None

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        size = entry_size(namespace, key, value)
        if size > self._max_bytes:
            await self.delete(namespace, key)
            return False
        arguments: list[str | bytes | int] = [namespace, key, value, max(1, round(ttl_s * 1000)), size, self._max_bytes]
        return bool(await self._store.run(lambda: self._put(args=arguments)))

    async def put_if(self, namespace: str, key: str, expected: bytes | None, value: bytes, ttl_s: float) -> bool:
        size = entry_size(namespace, key, value)
        if size > self._max_bytes:
            return False
        arguments: list[str | bytes | int] = [namespace, key, value, max(1, round(ttl_s * 1000)), size, self._max_bytes]
        arguments += [0, b""] if expected is None else [1, expected]
        return bool(await self._store.run(lambda: self._put_if(args=arguments)))

    async def delete(self, namespace: str, key: str) -> None:
        await self._store.run(lambda: self._delete(args=[namespace, key]))

    async def bytes_used(self, namespace: str | None = None) -> int:
        total: bytes | str | float | None
        if namespace is None:
            total = await self._store.run(lambda: self._store.client.get("tlm:b:total"))
        else:
            total = await self._store.run(lambda: self._store.client.zscore("tlm:b:ns", namespace))
        return max(0, int(float(total))) if total is not None else 0
