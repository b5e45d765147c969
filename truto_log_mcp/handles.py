"""Short opaque handles for server-side state: cursor handles and row refs.

A handle is a prefix and random hex (``c`` + 10 for cursors, ``r`` + 6 for refs, so rows stay
cheap to print). Stores are bounded in count (least recently used evicted) and in age (TTL), and
every entry is bound to an owner (the principal that created it): another owner's lookup of the
same handle finds nothing, exactly like an expired one.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Entry(Generic[T]):
    owner: str
    value: T
    expires_at: float


class HandleStore(Generic[T]):
    def __init__(
        self,
        prefix: str,
        random_hex: int,
        max_items: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._prefix = prefix
        self._random_bytes = (random_hex + 1) // 2
        self._random_hex = random_hex
        self._max_items = max_items
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, value: T, owner: str = "") -> str:
        handle = self._new_handle()
        self._entries[handle] = _Entry(owner, value, self._clock() + self._ttl_s)
        while len(self._entries) > self._max_items:
            self._entries.popitem(last=False)
        return handle

    def get(self, handle: str, owner: str = "") -> T | None:
        entry = self._entries.get(handle)
        if entry is None or entry.owner != owner:
            return None
        if entry.expires_at <= self._clock():
            del self._entries[handle]
            return None
        self._entries.move_to_end(handle)
        return entry.value

    def _new_handle(self) -> str:
        while True:
            handle = self._prefix + secrets.token_hex(self._random_bytes)[: self._random_hex]
            if handle not in self._entries:
                return handle
