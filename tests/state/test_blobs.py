"""MemoryBlobStore: values by namespace and key, expiring, bounded in bytes, shared fairly between namespaces."""

from __future__ import annotations

import pytest

from tests.helpers import FakeClock
from truto_log_mcp.state.blobs import ENTRY_OVERHEAD, MemoryBlobStore

pytestmark = pytest.mark.anyio


def cost(namespace: str, key: str, value: bytes) -> int:
    return len(namespace) + len(key) + len(value) + ENTRY_OVERHEAD


async def test_a_value_is_read_back_only_under_its_namespace() -> None:
    store = MemoryBlobStore(10_000)
    assert await store.put("alice", "k", b"rows", ttl_s=60)
    assert await store.get("alice", "k") == b"rows"
    assert await store.get("bob", "k") is None


async def test_a_value_expires_after_its_ttl() -> None:
    clock = FakeClock()
    store = MemoryBlobStore(10_000, clock=clock)
    await store.put("a", "k", b"v", ttl_s=60)
    clock.now += 59.9
    assert await store.get("a", "k") == b"v"
    clock.now += 0.2
    assert await store.get("a", "k") is None
    assert await store.bytes_used() == 0


async def test_bytes_are_counted_per_namespace_and_in_all() -> None:
    store = MemoryBlobStore(10_000)
    await store.put("a", "k", b"x" * 100, ttl_s=60)
    await store.put("b", "k", b"x" * 50, ttl_s=60)
    await store.put("a", "k", b"x" * 10, ttl_s=60)  # replaces: counted once
    assert await store.bytes_used("a") == cost("a", "k", b"x" * 10)
    assert await store.bytes_used() == cost("a", "k", b"x" * 10) + cost("b", "k", b"x" * 50)
    await store.delete("a", "k")
    assert await store.bytes_used("a") == 0


async def test_past_the_bound_the_least_recently_used_value_goes() -> None:
    size = cost("a", "k0", b"x" * 100)
    store = MemoryBlobStore(3 * size)
    for index in range(3):
        await store.put("a", f"k{index}", b"x" * 100, ttl_s=60)
    await store.get("a", "k0")  # used: now k1 is the least recently used
    await store.put("a", "k3", b"x" * 100, ttl_s=60)
    assert await store.get("a", "k1") is None
    assert all([await store.get("a", key) for key in ("k0", "k2", "k3")])
    assert await store.bytes_used() <= store.max_bytes


async def test_the_namespace_holding_the_most_loses_first() -> None:
    size = cost("a", "k0", b"x" * 100)
    store = MemoryBlobStore(4 * size)
    await store.put("b", "k0", b"x" * 100, ttl_s=60)  # bob's is the oldest of all
    for index in range(3):
        await store.put("a", f"k{index}", b"x" * 100, ttl_s=60)
    await store.put("a", "k3", b"x" * 100, ttl_s=60)
    assert await store.get("b", "k0") == b"x" * 100
    assert await store.get("a", "k0") is None


async def test_a_value_larger_than_the_store_is_refused() -> None:
    store = MemoryBlobStore(1000)
    assert not await store.put("a", "k", b"x" * 1000, ttl_s=60)
    assert await store.bytes_used() == 0
