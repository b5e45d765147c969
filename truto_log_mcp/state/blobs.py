"""Namespaced bytes with a lifetime, bounded in bytes: where the scan cache keeps what it read.

``BlobStore`` is the small protocol the scan cache needs (get, put with a TTL, delete, and how many
bytes are held); ``MemoryBlobStore`` is its in-process implementation. A shared store (SQLite,
Redis) implements the same protocol.

A namespace is one Truto token's (its hash): a value is only ever read back under the namespace it
was put in. When the store is full, the namespace holding the most bytes loses its least recently
used value: one token's long scans evict its own ranges first, never those of a token holding less
(of N tokens, each keeps about 1/N of the store).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

ENTRY_OVERHEAD = 100
"""Bytes counted for each value beyond its own and its key's (the bookkeeping around it)."""
SWEEP_INTERVAL_S = 60.0
"""Expired values are dropped when read, and all of them at most this often when a value is put."""


class BlobStore(Protocol):
    """Bytes by (namespace, key), each with a lifetime; the store's total is bounded by ``max_bytes``."""

    @property
    def max_bytes(self) -> int: ...

    async def get(self, namespace: str, key: str) -> bytes | None:
        """The value, or None when it was never put, has expired or was evicted."""
        ...

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        """Keep ``value`` for ``ttl_s`` seconds (replacing one under the same key); False when it cannot fit."""
        ...

    async def put_if(self, namespace: str, key: str, expected: bytes | None, value: bytes, ttl_s: float) -> bool:
        """``put`` only while the value held is ``expected`` (None: none held), in one atomic step; False
        when it changed meanwhile (or ``value`` cannot fit). How concurrent writers of one value (the
        scan cache's index, shared by replicas) merge instead of overwriting each other."""
        ...

    async def delete(self, namespace: str, key: str) -> None: ...

    async def bytes_used(self, namespace: str | None = None) -> int:
        """Bytes held in all, or by one namespace."""
        ...


@dataclass(slots=True)
class _Value:
    data: bytes
    expires_at: float
    size: int


@dataclass(slots=True)
class _Namespace:
    values: OrderedDict[str, _Value] = field(default_factory=OrderedDict)
    """Least recently used first."""
    bytes: int = 0


class MemoryBlobStore:
    """``BlobStore`` in this process's memory (lost on restart; not shared between replicas)."""

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_bytes = max_bytes
        self._clock = clock
        self._namespaces: dict[str, _Namespace] = {}
        self._bytes = 0
        self._swept_at = clock()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    async def get(self, namespace: str, key: str) -> bytes | None:
        return self._get(namespace, key)

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        return self._put(namespace, key, value, ttl_s)

    async def put_if(self, namespace: str, key: str, expected: bytes | None, value: bytes, ttl_s: float) -> bool:
        if self._get(namespace, key) != expected:
            return False
        return self._put(namespace, key, value, ttl_s)

    def _put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        size = len(value) + len(key) + len(namespace) + ENTRY_OVERHEAD
        self._drop(namespace, key)
        if size > self._max_bytes:
            return False
        now = self._clock()
        if now - self._swept_at >= SWEEP_INTERVAL_S:
            self._sweep(now)
        held = self._namespaces.setdefault(namespace, _Namespace())
        held.values[key] = _Value(value, now + ttl_s, size)
        held.bytes += size
        self._bytes += size
        while self._bytes > self._max_bytes:
            self._evict_one()
        return True

    async def delete(self, namespace: str, key: str) -> None:
        self._drop(namespace, key)

    async def bytes_used(self, namespace: str | None = None) -> int:
        if namespace is None:
            return self._bytes
        held = self._namespaces.get(namespace)
        return held.bytes if held is not None else 0

    def _get(self, namespace: str, key: str) -> bytes | None:
        held = self._namespaces.get(namespace)
        value = held.values.get(key) if held is not None else None
        if held is None or value is None:
            return None
        if value.expires_at <= self._clock():
            self._drop(namespace, key)
            return None
        held.values.move_to_end(key)
        return value.data

    def _evict_one(self) -> None:
        """The least recently used value of the namespace holding the most bytes."""
        fullest = max(self._namespaces, key=lambda name: self._namespaces[name].bytes)
        oldest = next(iter(self._namespaces[fullest].values))
        self._drop(fullest, oldest)

    def _drop(self, namespace: str, key: str) -> None:
        held = self._namespaces.get(namespace)
        if held is None or key not in held.values:
            return
        value = held.values.pop(key)
        held.bytes -= value.size
        self._bytes -= value.size
        if not held.values:
            del self._namespaces[namespace]

    def _sweep(self, now: float) -> None:
        self._swept_at = now
        expired = [
            (namespace, key)
            for namespace, held in self._namespaces.items()
            for key, value in held.values.items()
            if value.expires_at <= now
        ]
        for namespace, key in expired:
            self._drop(namespace, key)
