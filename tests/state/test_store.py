"""One suite for the three state stores (memory, sqlite, redis): the same behaviour from each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import anyio
import pytest

from truto_log_mcp.analysis.runs.results import ListingRest
from truto_log_mcp.query.arguments import LogQuery, Match, StatusCondition
from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import LogType
from truto_log_mcp.state.open import open_store
from truto_log_mcp.state.store import HandleSpace, StateStore
from truto_log_mcp.tools.context import StoredRow
from truto_log_mcp.upstream.pages import SearchState

pytestmark = pytest.mark.anyio

Opener = Callable[[], StateStore]


def space(max_items: int = 100, ttl_s: float = 60.0, max_bytes: int | None = None, prefix: str = "r") -> HandleSpace:
    return HandleSpace(prefix, max_items, ttl_s, max_bytes)


def row(number: int, size: int = 10) -> StoredRow:
    return StoredRow(LogType.WEBHOOK, {"id": f"row-{number}", "timestamp": "2026-07-01T00:00:00Z", "body": "x" * size})


def search_state() -> SearchState:
    """A search with every part set: window, filters, match conditions, fields, rows kept back."""
    return SearchState(
        LogQuery(
            LogType.UNIFIED_PROXY_API,
            Window(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC)),
            filters=(("integration", "hubspot"),),
            match=Match("http_status_code", StatusCondition(500, 599, spelled="5xx"), "timeout", (("method", "GET"),)),
            fields=("timestamp", "integration"),
        ),
        upstream_cursor="abc",
        pending=({"id": "kept", "nested.value": [1, 2.5, None, True]},),
        rows_scanned=250,
        pages=3,
        arguments=(("log_type", "unified_proxy_api"),),
        limit=7,
    )


async def test_a_value_comes_back_equal_to_what_was_put(store: StateStore) -> None:
    cursors = store.handles(
        space(prefix="c"), lambda: cast("type[SearchState | ListingRest]", SearchState | ListingRest)
    )
    listing = ListingRest((("since", "24h"),), {"window": "w", "totals": {"failed": 2}}, ({"run": "a"},), 20, 20)
    state = search_state()
    handles = await cursors.put_many([state, listing], "alice")
    assert [await cursors.get(handle, "alice") for handle in handles] == [state, listing]


async def test_the_value_type_is_asked_for_on_first_use_not_when_the_space_is_opened(store: StateStore) -> None:
    asked: list[str] = []

    def value_type() -> type[StoredRow]:
        asked.append("asked")
        return StoredRow

    refs = store.handles(space(), value_type)
    assert asked == []
    handle = await refs.put(row(1), "")
    assert await refs.get(handle, "") == row(1)
    assert len(asked) <= 1  # once for a shared backend; never for memory (values are kept as they are)


async def test_handles_are_short_distinct_prefixed_and_known_as_this_store_s(store: StateStore) -> None:
    refs = store.handles(space(max_items=1000), lambda: StoredRow)
    handles = await refs.put_many([row(number) for number in range(300)], "")
    assert len(set(handles)) == 300
    assert all(handle.startswith("r") and len(handle) <= 10 and refs.issued_here(handle) for handle in handles)


async def test_another_owner_finds_nothing(store: StateStore) -> None:
    refs = store.handles(space(), lambda: StoredRow)
    handle = await refs.put(row(1), "alice")
    assert await refs.get(handle, "bob") is None
    assert await refs.get(handle, "alice") == row(1)


async def test_an_entry_expires_after_its_ttl(store: StateStore) -> None:
    refs = store.handles(space(ttl_s=0.3), lambda: StoredRow)
    handle = await refs.put(row(1), "")
    assert await refs.get(handle, "") == row(1)
    await anyio.sleep(0.45)
    assert await refs.get(handle, "") is None
    assert refs.issued_here(handle)


async def test_the_count_bound_drops_the_least_recently_used(store: StateStore) -> None:
    refs = store.handles(space(max_items=10), lambda: StoredRow)
    first = await refs.put(row(0), "")
    later = await refs.put_many([row(number) for number in range(1, 10)], "")
    assert await refs.get(first, "") == row(0)  # used: now the most recent
    newest = await refs.put_many([row(number) for number in range(10, 12)], "")
    assert await refs.get(first, "") == row(0)
    assert [await refs.get(handle, "") for handle in later[:2]] == [None, None]
    assert None not in [await refs.get(handle, "") for handle in [*later[2:], *newest]]


async def test_an_owner_that_puts_much_evicts_its_own_entries_not_another_s(store: StateStore) -> None:
    refs = store.handles(space(max_items=20), lambda: StoredRow)
    alice = await refs.put_many([row(number) for number in range(5)], "alice")
    for _ in range(5):
        await refs.put_many([row(number) for number in range(30)], "bob")
    assert [await refs.get(handle, "alice") for handle in alice] == [row(number) for number in range(5)]


async def test_the_byte_bound_holds_the_bytes_of_values(store: StateStore) -> None:
    refs = store.handles(
        space(max_items=1000, max_bytes=20_000), lambda: StoredRow, lambda stored: len(stored.row["body"])
    )
    handles = await refs.put_many([row(number, size=1000) for number in range(100)], "")
    kept = [handle for handle in handles if await refs.get(handle, "") is not None]
    assert 10 <= len(kept) <= 20
    assert kept == handles[-len(kept) :]


async def test_a_value_alone_over_the_byte_bound_is_still_kept(store: StateStore) -> None:
    refs = store.handles(space(max_bytes=100), lambda: StoredRow, lambda stored: len(stored.row["body"]))
    handle = await refs.put(row(1, size=5000), "")
    assert await refs.get(handle, "") == row(1, size=5000)


async def test_a_handle_of_another_store_is_foreign(opener: Opener, tmp_path: Path) -> None:
    other = open_store(f"sqlite://{tmp_path / 'other.sqlite3'}")
    store = opener()
    try:
        foreign = await other.handles(space(), lambda: StoredRow).put(row(1), "")
        refs = store.handles(space(), lambda: StoredRow)
        await refs.put(row(2), "")
        assert await refs.get(foreign, "") is None
        assert not refs.issued_here(foreign)
    finally:
        await store.aclose()
        await other.aclose()


async def test_a_second_process_continues_a_handle_when_the_store_is_shared(opener: Opener) -> None:
    first, second = opener(), opener()
    try:
        handle = await first.handles(space(), lambda: StoredRow).put(row(1), "alice")
        there = second.handles(space(), lambda: StoredRow)
        found = await there.get(handle, "alice")
        assert found == (row(1) if first.shared else None)
        assert there.issued_here(handle) is first.shared
    finally:
        await first.aclose()
        await second.aclose()


async def test_keys_are_kept_until_their_ttl_and_deleted_on_demand(store: StateStore) -> None:
    await store.put("scan-cache", "a", b"\x00value", ttl_s=60)
    await store.put("scan-cache", "short", b"gone soon", ttl_s=0.3)
    await store.put("other", "a", b"another namespace", ttl_s=60)
    assert await store.get("scan-cache", "a") == b"\x00value"
    assert await store.get("other", "a") == b"another namespace"
    await store.delete("scan-cache", "a")
    assert await store.get("scan-cache", "a") is None
    await anyio.sleep(0.45)
    assert await store.get("scan-cache", "short") is None
    assert await store.get("missing", "x") is None


async def test_two_spaces_minted_together_read_back_each_in_its_space(store: StateStore) -> None:
    refs = store.handles(space(), lambda: StoredRow)
    cursors = store.handles(space(prefix="c"), lambda: SearchState)
    state = search_state()
    minted_refs, minted_cursors = await refs.put_many_with([row(1), row(2)], cursors, [state], "alice")
    assert [handle[0] for handle in minted_refs + minted_cursors] == ["r", "r", "c"]
    assert [await refs.get(handle, "alice") for handle in minted_refs] == [row(1), row(2)]
    assert await cursors.get(minted_cursors[0], "alice") == state
    assert await refs.get(minted_cursors[0], "alice") is None
