"""``sqlite:///PATH``: state in one SQLite file, shared by the processes of one machine.

The default of ``call`` and ``demo``: each ``truto-log-mcp call`` is a new process, and the next
one continues the cursor or opens the ref the previous one printed. Every operation is one short
transaction (``BEGIN IMMEDIATE``, WAL journal) run in a worker thread, so the event loop never
waits on the file; a file locked for longer than ``BUSY_TIMEOUT_S`` raises ``StateUnavailable``.

Bounds: each space keeps at most ``max_items`` entries and ``max_bytes`` bytes (of serialised
values) over all processes (triggers keep the totals, so a put reads them in one row); when over,
the owner holding the most (count or bytes) loses its least recently used entries, as in
``handles.py``. Ties between owners are broken by the oldest use, as there. Expired entries are
deleted on every put. Request budgets stay in-process (one sqlite file serves one machine's
commands, which rarely scan at once; see docs/deployment.md).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from truto_log_mcp.errors import StateUnavailable
from truto_log_mcp.state.blobs import BlobStore
from truto_log_mcp.state.handles import base36, new_instance_tag
from truto_log_mcp.state.memory_store import MemoryStore
from truto_log_mcp.state.named_ids import SHARED_TTL_S
from truto_log_mcp.state.shared import SharedHandles
from truto_log_mcp.state.store import Handles, HandleSpace, StateStore
from truto_log_mcp.state.stored_blobs import SQLITE_SCHEMA, SqliteBlobStore
from truto_log_mcp.upstream.ratelimit import RequestBudget

T = TypeVar("T")
R = TypeVar("R")

BUSY_TIMEOUT_S = 2.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handles (
    handle TEXT PRIMARY KEY, space TEXT NOT NULL, owner TEXT NOT NULL, size INTEGER NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL, value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS handles_by_owner ON handles (space, owner, used);
CREATE INDEX IF NOT EXISTS handles_by_expiry ON handles (space, expires_at);
CREATE TABLE IF NOT EXISTS totals (space TEXT PRIMARY KEY, count INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS totals_in AFTER INSERT ON handles BEGIN
    INSERT INTO totals VALUES (NEW.space, 1, NEW.size)
        ON CONFLICT (space) DO UPDATE SET count = count + 1, size = size + NEW.size;
END;
CREATE TRIGGER IF NOT EXISTS totals_out AFTER DELETE ON handles BEGIN
    UPDATE totals SET count = count - 1, size = size - OLD.size WHERE space = OLD.space;
END;
CREATE TABLE IF NOT EXISTS keyed (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (namespace, key));
CREATE TABLE IF NOT EXISTS named (
    owner TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, used INTEGER NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (owner, kind, id));
CREATE INDEX IF NOT EXISTS named_by_use ON named (owner, used);
"""


class SqliteStore(StateStore):
    shared = True

    def __init__(self, path: Path, clock: Callable[[], float] = time.time, max_budgets: int = 4096) -> None:
        self.path = path
        self.tag: str | None = None
        self._clock = clock
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._budgets = MemoryStore(max_budgets=max_budgets)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # it holds log rows: readable by its owner only (sqlite gives its -wal and -shm files the same mode)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA + SQLITE_SCHEMA)
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('tag', ?)", (new_instance_tag(),))
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('sequence', '0')")
            self.tag = str(connection.execute("SELECT value FROM meta WHERE name = 'tag'").fetchone()[0])
            self._connection = connection
        return self._connection

    async def _run(self, work: Callable[[sqlite3.Connection], R]) -> R:
        def in_thread() -> R:
            with self._lock:
                try:
                    connection = self._connect()
                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        result = work(connection)
                    except BaseException:
                        connection.execute("ROLLBACK")
                        raise
                    connection.execute("COMMIT")
                    return result
                except sqlite3.Error as error:
                    self._leave_transaction()
                    raise StateUnavailable(f"The state file {self.path} cannot be used ({error}).") from error

        return await anyio.to_thread.run_sync(in_thread)

    def _leave_transaction(self) -> None:
        """After a failed COMMIT or ROLLBACK: never keep a connection inside a transaction (every later
        BEGIN would fail); a connection that cannot roll back is closed and opened again on next use."""
        connection = self._connection
        if connection is None or not connection.in_transaction:
            return
        try:
            connection.rollback()
        except sqlite3.Error:
            connection.close()
            self._connection = None

    async def run(self, work: Callable[[sqlite3.Connection], R]) -> R:
        """``work`` in one transaction, in a worker thread (``StateUnavailable`` when the file cannot be used)."""
        return await self._run(work)

    def now(self) -> float:
        return self._clock()

    def blobs(self, max_bytes: int) -> BlobStore:
        return SqliteBlobStore(self, max_bytes)

    def handles(
        self, space: HandleSpace, value_type: Callable[[], type[T]], size_of: Callable[[T], int] | None = None
    ) -> Handles[T]:
        return SharedHandles(self, space, value_type)

    async def mint(self, batches: Sequence[tuple[HandleSpace, Sequence[bytes]]], owner: str) -> list[list[str]]:
        def work(db: sqlite3.Connection) -> list[list[str]]:
            return [_mint(db, self.tag or "", self._clock(), space, owner, blobs) for space, blobs in batches]

        return await self._run(work)

    async def fetch(self, space: HandleSpace, handle: str, owner: str) -> bytes | None:
        def work(db: sqlite3.Connection) -> bytes | None:
            found = db.execute(
                "SELECT value, expires_at FROM handles WHERE handle = ? AND space = ? AND owner = ?",
                (handle, space.prefix, owner),
            ).fetchone()
            if found is None or self.tag is None:
                return None
            if found[1] <= self._clock():
                db.execute("DELETE FROM handles WHERE handle = ?", (handle,))
                return None
            (use,) = db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'sequence' RETURNING value"
            ).fetchone()
            db.execute("UPDATE handles SET used = ? WHERE handle = ?", (int(use), handle))
            return bytes(found[0])

        return await self._run(work)

    async def get(self, namespace: str, key: str) -> bytes | None:
        def work(db: sqlite3.Connection) -> bytes | None:
            found = db.execute(
                "SELECT value FROM keyed WHERE namespace = ? AND key = ? AND expires_at > ?",
                (namespace, key, self._clock()),
            ).fetchone()
            return None if found is None else bytes(found[0])

        return await self._run(work)

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> None:
        def work(db: sqlite3.Connection) -> None:
            now = self._clock()
            db.execute("DELETE FROM keyed WHERE expires_at <= ?", (now,))
            db.execute("INSERT OR REPLACE INTO keyed VALUES (?, ?, ?, ?)", (namespace, key, value, now + ttl_s))

        await self._run(work)

    async def delete(self, namespace: str, key: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM keyed WHERE namespace = ? AND key = ?", (namespace, key)))

    async def remember_ids(self, owner: str, named: Sequence[tuple[str, str]], keep: int) -> None:
        def work(db: sqlite3.Connection) -> None:
            now = self._clock()
            (last,) = db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE name = 'sequence' RETURNING value",
                (len(named),),
            ).fetchone()
            first = int(last) - len(named) + 1
            db.execute("DELETE FROM named WHERE expires_at <= ?", (now,))
            db.executemany(
                "INSERT OR REPLACE INTO named VALUES (?, ?, ?, ?, ?)",
                [(owner, kind, value, first + offset, now) for offset, (kind, value) in enumerate(named)],
            )
            # the owner's ids all live as long as its latest answer
            db.execute("UPDATE named SET expires_at = ? WHERE owner = ?", (now + SHARED_TTL_S, owner))
            db.execute(
                "DELETE FROM named WHERE owner = ? AND used <= (SELECT used FROM named WHERE owner = ?"
                " ORDER BY used DESC LIMIT 1 OFFSET ?)",
                (owner, owner, keep),
            )

        await self._run(work)

    async def named_ids(self, owner: str, kind: str, prefix: str) -> list[str]:
        def work(db: sqlite3.Connection) -> list[str]:
            found = db.execute(
                "SELECT id FROM named WHERE owner = ? AND kind = ? AND substr(id, 1, ?) = ? AND expires_at > ?"
                " ORDER BY used DESC",
                (owner, kind, len(prefix), prefix, self._clock()),
            ).fetchall()
            return [str(value) for (value,) in found]

        return await self._run(work)

    def rate_budget(self, token_hash: str, max_requests: int, per_seconds: float) -> RequestBudget:
        return self._budgets.rate_budget(token_hash, max_requests, per_seconds)

    async def aclose(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _mint(
    db: sqlite3.Connection, tag: str, now: float, space: HandleSpace, owner: str, blobs: Sequence[bytes]
) -> list[str]:
    """New handles in ``space`` for ``blobs``, the space kept within its bounds."""
    db.execute("DELETE FROM handles WHERE space = ? AND expires_at <= ?", (space.prefix, now))
    (last,) = db.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE name = 'sequence' RETURNING value",
        (len(blobs),),
    ).fetchone()
    first = int(last) - len(blobs) + 1
    minted = [f"{space.prefix}{tag}{base36(first + offset)}" for offset in range(len(blobs))]
    db.executemany(
        "INSERT INTO handles VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (handle, space.prefix, owner, len(blob), now + space.ttl_s, first + offset, blob)
            for offset, (handle, blob) in enumerate(zip(minted, blobs, strict=True))
        ],
    )
    _evict(db, space, keep=minted[-1])
    return minted


def _evict(db: sqlite3.Connection, space: HandleSpace, keep: str) -> None:
    """Back within the space's bounds: the heaviest owner's least recently used entries go first."""
    while True:
        count, size = db.execute("SELECT count, size FROM totals WHERE space = ?", (space.prefix,)).fetchone()
        if count > space.max_items:
            measure, excess = "COUNT(*)", count - space.max_items
        elif space.max_bytes is not None and size > space.max_bytes:
            measure, excess = "SUM(size)", 1
        else:
            return
        heaviest = db.execute(
            f"SELECT owner, {measure} FROM handles WHERE space = ? AND handle != ?"  # noqa: S608 (a constant)
            f" GROUP BY owner ORDER BY {measure} DESC, MIN(used) ASC LIMIT 2",
            (space.prefix, keep),
        ).fetchall()
        if not heaviest:
            return
        owner = heaviest[0][0]
        if measure == "COUNT(*)" and len(heaviest) > 1:
            # down to the next owner's count at most in one go: the fair share holds, in fewer statements
            excess = min(excess, max(1, heaviest[0][1] - heaviest[1][1]))
        db.execute(
            "DELETE FROM handles WHERE handle IN (SELECT handle FROM handles WHERE space = ? AND owner = ?"
            " AND handle != ? ORDER BY used LIMIT ?)",
            (space.prefix, owner, keep, excess),
        )
