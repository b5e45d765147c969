"""The state store's interface: what outlives one tool call, and (with a shared backend) one process.

A store holds, for every replica that uses it:

* **handles** (``Handles``): cursor handles and row refs, each a short string minted by the store
  for a value, bound to the owner (principal) that put it, expiring after the space's TTL, and
  bounded per space in count and bytes with the fair share of ``handles.py`` (the owner holding
  the most loses its least recently used entry first);
* **blobs** (``blobs``): the scan cache's values, bounded in bytes, per token hash;
* **keys** (``get``/``put``/``delete``): small namespaced byte values with a TTL, for caches and
  records that other parts of the server keep (a scan cache, recently named ids);
* **named ids** (``remember_ids``/``named_ids``): the ids each owner's recent answers named, so
  that an id's 8-character prefix resolves in the next call (``named_ids.py``), bounded per owner;
* **request budgets** (``rate_budget``): one sliding window per token hash, shared by every
  replica on a shared backend.

Three backends, chosen by ``TRUTO_STATE_URL`` (``state/open.py``): ``memory://`` (this process
only; a handle minted elsewhere is refused as foreign), ``sqlite:///PATH`` (one file, shared by the
processes of one machine: successive ``truto-log-mcp call`` commands), ``redis://HOST:PORT/DB``
(replicas of a deployment). A shared backend that cannot be reached raises ``StateUnavailable``
quickly; it never hangs a call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from truto_log_mcp.state.blobs import BlobStore
from truto_log_mcp.upstream.ratelimit import RequestBudget

T = TypeVar("T")
U = TypeVar("U")

KEY_NAMESPACE_CHARS = 64
"""Longest namespace of the key/value API (namespaces are code constants such as ``scan-cache``)."""
HANDLE_CHARS = 12
"""A handle's length in practice: its space's prefix, the 4-character tag and a base-36 sequence of at most
7 digits (78 billion handles minted by one store). What an answer charges a ref it has not minted yet."""


@dataclass(frozen=True, slots=True)
class HandleSpace:
    """One kind of handle (``c`` cursors, ``r`` refs): its prefix and bounds."""

    prefix: str
    max_items: int
    ttl_s: float
    max_bytes: int | None = None


class Handles(ABC, Generic[T]):
    """A typed view of one handle space."""

    @abstractmethod
    async def put_many(self, values: Sequence[T], owner: str) -> list[str]:
        """One new handle per value, in order (one round trip on a shared backend)."""

    async def put(self, value: T, owner: str) -> str:
        return (await self.put_many([value], owner))[0]

    async def put_many_with(
        self, values: Sequence[T], other: Handles[U], other_values: Sequence[U], owner: str
    ) -> tuple[list[str], list[str]]:
        """``put_many`` here and in ``other`` space of the same store: one round trip on a shared backend
        (a page's refs and its cursor)."""
        return await self.put_many(values, owner), await other.put_many(other_values, owner)

    @abstractmethod
    async def get(self, handle: str, owner: str) -> T | None:
        """The value, or None when unknown, expired or another owner's (which look alike)."""

    @abstractmethod
    def issued_here(self, handle: str) -> bool:
        """Whether this store minted the handle (so None from ``get`` means expired, not foreign)."""

    def held(self) -> int | None:
        """Entries held, when the store knows it without a round trip (memory), else None."""
        return None


class StateStore(ABC):
    """One backend: handle spaces, namespaced keys with a TTL, request budgets."""

    shared: bool
    """Whether other processes see this store's handles (sqlite, redis)."""

    @abstractmethod
    def handles(
        self, space: HandleSpace, value_type: Callable[[], type[T]], size_of: Callable[[T], int] | None = None
    ) -> Handles[T]:
        """The space's typed view. ``value_type`` returns the type (or union) a shared backend reads its
        values back as (pydantic, JSON): called on the first put or get, not here, so that the server's
        start imports none of the value types' modules. ``size_of`` sizes an in-memory value (a shared
        backend counts the bytes it stores)."""

    @abstractmethod
    def blobs(self, max_bytes: int) -> BlobStore:
        """Where the scan cache keeps what it read, bounded by ``max_bytes``: this process's memory
        (``memory://``), or this store, shared (``stored_blobs.py``)."""

    @abstractmethod
    async def get(self, namespace: str, key: str) -> bytes | None:
        """The value put under (namespace, key), or None when absent or expired."""

    @abstractmethod
    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> None:
        """Keep ``value`` for ``ttl_s`` seconds (replacing any value of the key)."""

    @abstractmethod
    async def delete(self, namespace: str, key: str) -> None: ...

    @abstractmethod
    async def remember_ids(self, owner: str, named: Sequence[tuple[str, str]], keep: int) -> None:
        """Record that an answer to ``owner`` named these (kind, id) pairs (in one round trip); the owner
        keeps the ``keep`` most recently named."""

    @abstractmethod
    async def named_ids(self, owner: str, kind: str, prefix: str) -> list[str]:
        """The ids of ``kind`` named to ``owner`` that start with ``prefix``, most recently named first."""

    @abstractmethod
    def rate_budget(self, token_hash: str, max_requests: int, per_seconds: float) -> RequestBudget:
        """The budget of one token, by its hash (the token itself never reaches a store)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections (idempotent)."""
