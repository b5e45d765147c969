"""Short opaque handles for server-side state: cursor handles and row refs.

A handle is a prefix (``c`` for cursors, ``r`` for refs), this process's instance tag and a
sequence number in base 36: short (rows stay cheap to print), and never reused by a process, so
an old handle can expire but can never come to mean a different row or query. Stores are bounded in count and in
bytes (least recently used evicted) and in age (TTL), and every entry is bound to an owner (the principal that
created it): another owner's lookup of the same handle finds nothing, exactly like an expired one.

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
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Entry(Generic[T]):
    owner: str
    value: T
    expires_at: float
    size: int


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
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()
        self._max_bytes = max_bytes
        self._size_of = size_of
        self.bytes = 0
        """Approximate bytes held (by ``size_of``; 0 without it)."""

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, value: T, owner: str = "") -> str:
        handle = self._new_handle()
        size = self._size_of(value) if self._size_of is not None else 0
        self._entries[handle] = _Entry(owner, value, self._clock() + self._ttl_s, size)
        self.bytes += size
        while len(self._entries) > self._max_items or (
            self._max_bytes is not None and self.bytes > self._max_bytes and len(self._entries) > 1
        ):
            self._drop(next(iter(self._entries)))
        return handle

    def _drop(self, handle: str) -> None:
        self.bytes -= self._entries.pop(handle).size

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
        self._entries.move_to_end(handle)
        return entry.value

    def _new_handle(self) -> str:
        return self._prefix + _base36(next(self._sequence))


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if number == 0:
            return text
