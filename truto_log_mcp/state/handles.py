"""Short opaque handles for server-side state: cursor handles and row refs.

A handle is a prefix (``c`` for cursors, ``r`` for refs), this process's instance tag and a
sequence number in base 36: short (rows stay cheap to print), and never reused by a process, so
an old handle can expire but can never come to mean a different row or query. Stores are bounded in count and in
bytes and in age (TTL), and every entry is bound to an owner (the principal that created it): another owner's
lookup of the same handle finds nothing, exactly like an expired one.

Owners share a store fairly. When it is full (in count or in bytes), the owner holding the most (in that
measure) loses its least recently used entry; among owners holding as much, the one whose least recently
used entry is oldest. So one user's searches evict their own refs and cursors first, never those of a user
who holds less: of N owners, each keeps at least about 1/N of the store. With one owner (stdio, or one
shared token) this is plain least-recently-used eviction.

The instance tag (4 base-36 characters, random per process) matters with several replicas behind a
load balancer: a handle that reaches a replica that did not issue it is recognised as foreign
and answered as expired, instead of being looked up by chance in another replica's store.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Entry(Generic[T]):
    owner: str
    value: T
    expires_at: float
    size: int
    used: int
    """When it was last put or read, in this store's order of uses (a counter)."""


@dataclass(slots=True)
class _Holding:
    """What one owner holds: its handles, least recently used first, and their bytes."""

    handles: OrderedDict[str, None] = field(default_factory=OrderedDict)
    bytes: int = 0


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
INSTANCE_TAG_LENGTH = 4
"""Base-36 characters of the instance tag: 1.7 million tags, so two replicas (or a process and its
restart, whose sequence starts again at 0) share one about once in 1.7 million."""


def new_instance_tag() -> str:
    return "".join(secrets.choice(_DIGITS) for _ in range(INSTANCE_TAG_LENGTH))


class HandleStore(Generic[T]):
    def __init__(
        self,
        prefix: str,
        max_items: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
        instance_tag: str | None = None,
        max_bytes: int | None = None,
        size_of: Callable[[T], int] | None = None,
    ) -> None:
        self._prefix = prefix + (instance_tag if instance_tag is not None else new_instance_tag())
        self._sequence = itertools.count()
        self._max_items = max_items
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, _Entry[T]] = {}
        self._owners: dict[str, _Holding] = {}
        self._uses = itertools.count()
        self._max_bytes = max_bytes
        self._size_of = size_of
        self.bytes = 0
        """Approximate bytes held (by ``size_of``; 0 without it)."""

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, value: T, owner: str = "") -> str:
        handle = self._new_handle()
        size = self._size_of(value) if self._size_of is not None else 0
        self._entries[handle] = _Entry(owner, value, self._clock() + self._ttl_s, size, next(self._uses))
        holding = self._owners.setdefault(owner, _Holding())
        holding.handles[handle] = None
        holding.bytes += size
        self.bytes += size
        self._evict(keep=handle)
        return handle

    def _evict(self, keep: str) -> None:
        """Back within the bounds, never dropping ``keep`` (the entry just put, even when it alone is too big)."""
        while True:
            if len(self._entries) > self._max_items:
                by_bytes = False
            elif self._max_bytes is not None and self.bytes > self._max_bytes:
                by_bytes = True
            else:
                return
            victim = self._heaviest_owners_oldest(by_bytes, keep)
            if victim is None:
                return
            self._drop(victim)

    def _heaviest_owners_oldest(self, by_bytes: bool, keep: str) -> str | None:
        """The least recently used entry of the owner holding the most (ties: the older such entry)."""
        chosen: tuple[int, int] | None = None
        victim: str | None = None
        for holding in self._owners.values():
            oldest = next(iter(holding.handles))
            if oldest == keep:
                continue  # ``keep`` is its owner's newest: the owner holds nothing else
            rank = (holding.bytes if by_bytes else len(holding.handles), -self._entries[oldest].used)
            if chosen is None or rank > chosen:
                chosen, victim = rank, oldest
        return victim

    def _drop(self, handle: str) -> None:
        entry = self._entries.pop(handle)
        holding = self._owners[entry.owner]
        del holding.handles[handle]
        holding.bytes -= entry.size
        if not holding.handles:
            del self._owners[entry.owner]
        self.bytes -= entry.size

    def issued_here(self, handle: str) -> bool:
        """Whether this store's process issued the handle (its prefix and instance tag match)."""
        return handle.startswith(self._prefix)

    def get(self, handle: str, owner: str = "") -> T | None:
        entry = self._entries.get(handle)
        if entry is None or entry.owner != owner:
            return None
        if entry.expires_at <= self._clock():
            self._drop(handle)
            return None
        entry.used = next(self._uses)
        self._owners[owner].handles.move_to_end(handle)
        return entry.value

    def _new_handle(self) -> str:
        return self._prefix + base36(next(self._sequence))


def base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if number == 0:
            return text
