"""``memory://``: the state of this process only (the default of ``serve``).

Handles are ``handles.HandleStore``s tagged with this process's instance tag, so a handle that
another replica (or an earlier process) minted is recognised as foreign. Keys live in a dict
bounded in bytes (the oldest put goes first when full). Request budgets are in-process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

from truto_log_mcp.state.blobs import BlobStore, MemoryBlobStore
from truto_log_mcp.state.handles import HandleStore, new_instance_tag
from truto_log_mcp.state.named_ids import NamedIds
from truto_log_mcp.state.store import Handles, HandleSpace, StateStore
from truto_log_mcp.upstream.ratelimit import RateBudget, RequestBudget

T = TypeVar("T")

MAX_KEY_BYTES = 64 * 1024 * 1024
"""Bytes of values the key/value API keeps in memory before forgetting the oldest."""

MAX_BUDGETS = 4096
"""Token budgets kept (least recently used forgotten: its token, if it comes back, starts afresh)."""


class MemoryHandles(Handles[T]):
    def __init__(self, store: HandleStore[T]) -> None:
        self._store = store

    async def put_many(self, values: Sequence[T], owner: str) -> list[str]:
        return [self._store.put(value, owner) for value in values]

    async def get(self, handle: str, owner: str) -> T | None:
        return self._store.get(handle, owner)

    def issued_here(self, handle: str) -> bool:
        return self._store.issued_here(handle)

    def held(self) -> int:
        return len(self._store)


class MemoryStore(StateStore):
    shared = False

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        instance_tag: str | None = None,
        max_budgets: int = MAX_BUDGETS,
    ) -> None:
        self.instance_tag = instance_tag if instance_tag is not None else new_instance_tag()
        self._clock = clock
        self._values: OrderedDict[tuple[str, str], tuple[bytes, float]] = OrderedDict()
        self._value_bytes = 0
        self._budgets: OrderedDict[str, RateBudget] = OrderedDict()
        self._max_budgets = max_budgets
        self._named = NamedIds()

    def blobs(self, max_bytes: int) -> BlobStore:
        return MemoryBlobStore(max_bytes)

    def handles(
        self, space: HandleSpace, value_type: Callable[[], type[T]], size_of: Callable[[T], int] | None = None
    ) -> Handles[T]:
        return MemoryHandles(
            HandleStore(
                space.prefix,
                space.max_items,
                space.ttl_s,
                clock=self._clock,
                instance_tag=self.instance_tag,
                max_bytes=space.max_bytes,
                size_of=size_of,
            )
        )

    async def get(self, namespace: str, key: str) -> bytes | None:
        found = self._values.get((namespace, key))
        if found is None:
            return None
        if found[1] <= self._clock():
            await self.delete(namespace, key)
            return None
        return found[0]

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> None:
        await self.delete(namespace, key)
        self._values[(namespace, key)] = (value, self._clock() + ttl_s)
        self._value_bytes += len(value)
        while self._value_bytes > MAX_KEY_BYTES and len(self._values) > 1:
            _, (dropped, _) = self._values.popitem(last=False)
            self._value_bytes -= len(dropped)

    async def delete(self, namespace: str, key: str) -> None:
        found = self._values.pop((namespace, key), None)
        if found is not None:
            self._value_bytes -= len(found[0])

    async def remember_ids(self, owner: str, named: Sequence[tuple[str, str]], keep: int) -> None:
        self._named.per_owner = keep
        for kind, value in named:
            self._named.remember(owner, kind, [value])

    async def named_ids(self, owner: str, kind: str, prefix: str) -> list[str]:
        return self._named.candidates(owner, kind, prefix)

    async def aclose(self) -> None:
        """Nothing to release."""

    def rate_budget(self, token_hash: str, max_requests: int, per_seconds: float) -> RequestBudget:
        budget = self._budgets.get(token_hash)
        if budget is None:
            budget = self._budgets[token_hash] = RateBudget(max_requests, per_seconds)
            while len(self._budgets) > self._max_budgets:
                self._budgets.popitem(last=False)
        else:
            self._budgets.move_to_end(token_hash)
        return budget
