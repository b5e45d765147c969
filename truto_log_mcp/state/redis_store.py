"""``redis://HOST:PORT/DB``: state shared by the replicas of a deployment (the official ``redis`` client).

Handles are minted and read by Lua scripts (``redis_scripts.py``), atomically and in one round
trip each, with the same fair share as ``handles.py``: when a space is over its count or bytes,
the owner holding the most loses its least recently used entry (between owners holding as much,
Redis's order decides: an approximation). Request budgets are ``budget.SharedBudget``s.

Redis down: every call that needs a handle answers ``StateUnavailable`` within the socket
timeouts (``TIMEOUT_S``, no retries); budgets fall back to the in-process window. Nothing is kept
open that a Redis restart breaks: the client's pool reconnects on the next command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from truto_log_mcp.errors import StateUnavailable
from truto_log_mcp.state.blobs import BlobStore
from truto_log_mcp.state.handles import new_instance_tag
from truto_log_mcp.state.memory_store import MemoryStore
from truto_log_mcp.state.shared import SharedHandles
from truto_log_mcp.state.store import Handles, HandleSpace, StateStore
from truto_log_mcp.upstream.ratelimit import RequestBudget

T = TypeVar("T")
R = TypeVar("R")

TIMEOUT_S = 0.5
"""Connect and read timeout of one Redis command: a Redis that is down or hung costs a call this much."""

MAX_CONNECTIONS = 64
POOL_WAIT_S = 2.0
"""How long a command waits for a free connection of the pool when all ``MAX_CONNECTIONS`` are busy."""

MISSING_CLIENT = (
    "TRUTO_STATE_URL is a redis:// URL, but the `redis` package is not installed: pip install 'truto-log-mcp[redis]'."
)


class RedisStore(StateStore):
    shared = True

    def __init__(self, url: str, max_budgets: int = 4096) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
        except ImportError as error:  # pragma: no cover - the extra is installed in development
            raise ValueError(MISSING_CLIENT) from error
        from truto_log_mcp.state import redis_scripts

        self.url = url
        self.tag: str | None = None
        # Many calls at once wait for one of the pool's connections (up to POOL_WAIT_S), instead of
        # failing as a plain pool does past its size: a busy replica is not a Redis that is down.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_WAIT_S,
            socket_timeout=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S,
        )
        self.client = aioredis.Redis(connection_pool=pool, retry=Retry(NoBackoff(), 0))
        self._mint = self.client.register_script(redis_scripts.MINT)
        self._fetch = self.client.register_script(redis_scripts.FETCH)
        self._take_slot = self.client.register_script(redis_scripts.TAKE_SLOT)
        self._remember = self.client.register_script(redis_scripts.REMEMBER)
        self._named = self.client.register_script(redis_scripts.NAMED)
        self._local = MemoryStore(max_budgets=max_budgets)
        self._budgets: dict[str, RequestBudget] = {}
        self._max_budgets = max_budgets

    async def run(self, command: Callable[[], Awaitable[R]]) -> R:
        """One command; any Redis failure (down, timeout, refused) as ``StateUnavailable``."""
        from redis.exceptions import RedisError

        try:
            return await command()
        except (RedisError, OSError) as error:
            raise StateUnavailable(f"The state store (Redis) cannot be reached: {type(error).__name__}.") from error

    def blobs(self, max_bytes: int) -> BlobStore:
        from truto_log_mcp.state.stored_blobs import RedisBlobStore

        return RedisBlobStore(self, max_bytes)

    def handles(
        self, space: HandleSpace, value_type: Callable[[], type[T]], size_of: Callable[[T], int] | None = None
    ) -> Handles[T]:
        return SharedHandles(self, space, value_type)

    async def mint(self, batches: Sequence[tuple[HandleSpace, Sequence[bytes]]], owner: str) -> list[list[str]]:
        arguments: list[Any] = [batches[0][0].prefix, owner, len(batches), new_instance_tag()]
        for space, blobs in batches:
            max_bytes = space.max_bytes if space.max_bytes is not None else -1
            arguments += [space.prefix, round(space.ttl_s * 1000), space.max_items, max_bytes, len(blobs), *blobs]
        minted = [item.decode() for item in await self.run(lambda: self._mint(args=arguments))]
        first = batches[0][0].prefix
        self.tag = minted[0][len(first) : len(first) + 4]
        handles, at = [], 0
        for _, blobs in batches:
            handles.append(minted[at : at + len(blobs)])
            at += len(blobs)
        return handles

    async def fetch(self, space: HandleSpace, handle: str, owner: str) -> bytes | None:
        arguments = [space.prefix, handle, owner, new_instance_tag()]
        value, tag = await self.run(lambda: self._fetch(args=arguments))
        self.tag = tag.decode()
        return value if isinstance(value, bytes) else None

    async def get(self, namespace: str, key: str) -> bytes | None:
        value = await self.run(lambda: self.client.get(_key(namespace, key)))
        return value if isinstance(value, bytes) else None

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> None:
        await self.run(lambda: self.client.set(_key(namespace, key), value, px=max(1, round(ttl_s * 1000))))

    async def delete(self, namespace: str, key: str) -> None:
        await self.run(lambda: self.client.delete(_key(namespace, key)))

    async def remember_ids(self, owner: str, named: Sequence[tuple[str, str]], keep: int) -> None:
        from truto_log_mcp.state.named_ids import SHARED_TTL_S

        arguments: list[str | int] = [keep, round(SHARED_TTL_S * 1000), *(f"{kind} {value}" for kind, value in named)]
        await self.run(lambda: self._remember(keys=[f"tlm:n:{owner}"], args=arguments))

    async def named_ids(self, owner: str, kind: str, prefix: str) -> list[str]:
        found = await self.run(lambda: self._named(keys=[f"tlm:n:{owner}"], args=[f"{kind} {prefix}"]))
        return [value.decode() for value in found]

    async def take_slot(self, key: str, arguments: Sequence[int | float | str]) -> int:
        """One attempt at a slot of a shared budget (see ``budget.SharedBudget``)."""
        return int(await self.run(lambda: self._take_slot(keys=[key], args=list(arguments))))

    def rate_budget(self, token_hash: str, max_requests: int, per_seconds: float) -> RequestBudget:
        from truto_log_mcp.state.budget import SharedBudget

        budget = self._budgets.get(token_hash)
        if budget is None:
            local = self._local.rate_budget(token_hash, max_requests, per_seconds)
            budget = self._budgets[token_hash] = SharedBudget(self, token_hash, max_requests, per_seconds, local)
            if len(self._budgets) > self._max_budgets:
                del self._budgets[next(iter(self._budgets))]
        return budget

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.client.connection_pool.disconnect()


def _key(namespace: str, key: str) -> str:
    return f"tlm:k:{namespace}:{key}"
