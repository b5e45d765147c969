"""The scan cache's BlobStore of each state store (memory, sqlite, redis): the same rules, shared when the store is."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from tests.state.test_blobs import cost
from truto_log_mcp.state.store import StateStore

pytestmark = pytest.mark.anyio

Opener = Callable[[], StateStore]
VALUE = b"x" * 100


async def test_a_value_is_read_back_only_under_its_namespace(store: StateStore) -> None:
    blobs = store.blobs(10_000)
    assert await blobs.put("alice", "k", b"rows", ttl_s=60)
    assert await blobs.get("alice", "k") == b"rows"
    assert await blobs.get("bob", "k") is None


async def test_a_value_expires_after_its_ttl(store: StateStore) -> None:
    blobs = store.blobs(10_000)
    await blobs.put("a", "k", b"v", ttl_s=0.2)
    assert await blobs.get("a", "k") == b"v"
    await anyio.sleep(0.3)
    assert await blobs.get("a", "k") is None
    await blobs.put("a", "other", b"v", ttl_s=60)  # a put sweeps what expired from the accounting
    assert await blobs.bytes_used() == cost("a", "other", b"v")


async def test_bytes_are_counted_per_namespace_and_in_all(store: StateStore) -> None:
    blobs = store.blobs(10_000)
    await blobs.put("a", "k", VALUE, ttl_s=60)
    await blobs.put("b", "k", b"x" * 50, ttl_s=60)
    await blobs.put("a", "k", b"x" * 10, ttl_s=60)  # replaces: counted once
    assert await blobs.bytes_used("a") == cost("a", "k", b"x" * 10)
    assert await blobs.bytes_used() == cost("a", "k", b"x" * 10) + cost("b", "k", b"x" * 50)
    await blobs.delete("a", "k")
    assert await blobs.bytes_used("a") == 0


async def test_past_the_bound_the_least_recently_used_value_goes(store: StateStore) -> None:
    blobs = store.blobs(3 * cost("a", "k0", VALUE))
    for index in range(3):
        await blobs.put("a", f"k{index}", VALUE, ttl_s=60)
    await blobs.get("a", "k0")  # used: now k1 is the least recently used
    await blobs.put("a", "k3", VALUE, ttl_s=60)
    assert await blobs.get("a", "k1") is None
    assert all([await blobs.get("a", key) for key in ("k0", "k2", "k3")])
    assert await blobs.bytes_used() <= blobs.max_bytes


async def test_the_namespace_holding_the_most_loses_first(store: StateStore) -> None:
    blobs = store.blobs(4 * cost("a", "k0", VALUE))
    await blobs.put("b", "k0", VALUE, ttl_s=60)  # bob's is the oldest of all
    for index in range(4):
        await blobs.put("a", f"k{index}", VALUE, ttl_s=60)
    assert await blobs.get("b", "k0") == VALUE
    assert await blobs.get("a", "k0") is None


async def test_a_value_larger_than_the_store_is_refused(store: StateStore) -> None:
    blobs = store.blobs(1000)
    assert not await blobs.put("a", "k", b"x" * 1000, ttl_s=60)
    assert await blobs.bytes_used() == 0


async def test_a_second_process_reads_what_the_first_put_when_the_store_is_shared(opener: Opener) -> None:
    first, second = opener(), opener()
    try:
        await first.blobs(10_000).put("a", "k", VALUE, ttl_s=60)
        assert await second.blobs(10_000).get("a", "k") == (VALUE if first.shared else None)
    finally:
        await first.aclose()
        await second.aclose()


async def test_put_if_puts_only_over_the_value_expected(store: StateStore) -> None:
    blobs = store.blobs(10_000)
    assert await blobs.put_if("a", "index", None, b"one", ttl_s=60)  # none held, none expected
    assert not await blobs.put_if("a", "index", None, b"two", ttl_s=60)
    assert not await blobs.put_if("a", "index", b"other", b"two", ttl_s=60)
    assert await blobs.get("a", "index") == b"one"
    assert await blobs.put_if("a", "index", b"one", b"two", ttl_s=60)
    assert await blobs.get("a", "index") == b"two"
    assert await blobs.bytes_used() == cost("a", "index", b"two")


async def test_put_if_sees_what_another_process_put_meanwhile_when_the_store_is_shared(opener: Opener) -> None:
    first, second = opener(), opener()
    try:
        ours, theirs = first.blobs(10_000), second.blobs(10_000)
        await ours.put("a", "index", b"read", ttl_s=60)
        await theirs.put("a", "index", b"theirs", ttl_s=60)  # between our read and our write
        assert await ours.put_if("a", "index", b"read", b"ours", ttl_s=60) is not first.shared
        assert await ours.get("a", "index") == (b"theirs" if first.shared else b"ours")
    finally:
        await first.aclose()
        await second.aclose()
