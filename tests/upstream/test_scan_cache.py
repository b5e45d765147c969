"""The scan cache: keys, the index of ranges held, and what a window finds in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
import pytest

from truto_log_mcp.query.timeparse import Window
from truto_log_mcp.rules import LogType
from truto_log_mcp.state.blobs import MemoryBlobStore
from truto_log_mcp.upstream.scan_cache import CachedRange, ScanCache, cover, decode_index, encode_index
from truto_log_mcp.upstream.windows import ScanRequest

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def cached(start: float, end: float, rows: int = 1) -> CachedRange:
    return CachedRange(Window(at(start), at(end)), T0, rows)


def cache() -> ScanCache:
    return ScanCache(MemoryBlobStore(1 << 20), "scope", settle=timedelta(minutes=5), ttl=timedelta(hours=1))


def test_the_key_ignores_the_order_of_filters_but_not_their_values_or_the_scope() -> None:
    window = Window(at(0), at(1))
    one = ScanRequest(LogType.WEBHOOK, window, (("a", "1"), ("b", "2")))
    same = ScanRequest(LogType.WEBHOOK, Window(at(5), at(6)), (("b", "2"), ("a", "1")))
    other = ScanRequest(LogType.WEBHOOK, window, (("a", "1"), ("b", "3")))
    assert cache().key(one) == cache().key(same) != cache().key(other)
    elsewhere = ScanCache(MemoryBlobStore(1 << 20), "another", timedelta(minutes=5), timedelta(hours=1))
    assert elsewhere.key(one) != cache().key(one)
    assert cache().key(one) != cache().key(ScanRequest(LogType.MCP, window, one.filters))


def test_cover_clips_ranges_to_the_window_and_names_the_gaps() -> None:
    used, gaps = cover([cached(2, 5), cached(0, 3), cached(7, 9)], Window(at(1), at(8)), max_gaps=3)
    assert [part for _, part in used] == [Window(at(1), at(3)), Window(at(3), at(5)), Window(at(7), at(8))]
    assert gaps == [Window(at(5), at(7))]


def test_cover_with_nothing_cached_is_one_gap() -> None:
    assert cover([], Window(at(1), at(2)), max_gaps=3) == ([], [Window(at(1), at(2))])


def test_too_many_gaps_read_the_shortest_cached_parts_again() -> None:
    ranges = [cached(1, 2), cached(3, 3.1), cached(4, 6)]
    used, gaps = cover(ranges, Window(at(0), at(7)), max_gaps=3)
    assert gaps == [Window(at(0), at(1)), Window(at(2), at(4)), Window(at(6), at(7))]
    assert [part for _, part in used] == [Window(at(1), at(2)), Window(at(4), at(6))]


def row(moment: datetime, name: str = "r") -> dict[str, object]:
    return {"timestamp": moment.isoformat().replace("+00:00", "Z"), "name": name}


def test_an_unreadable_index_is_nothing() -> None:
    assert decode_index(b"{broken") == []
    ranges = [cached(0, 1, rows=3)]
    assert decode_index(encode_index(ranges)) == ranges


async def test_a_range_whose_value_is_gone_becomes_a_gap_and_leaves_the_index() -> None:
    scan_cache = cache()
    request = ScanRequest(LogType.WEBHOOK, Window(at(0), at(3)))
    capture = scan_cache.capture(request.window, now=at(10))
    capture.add(at(0.5), row(at(0.5)))
    capture.add(at(1.5), row(at(1.5)))
    await scan_cache.keep("ns", scan_cache.key(request), [(capture, ())], now=at(10))
    lookup = await scan_cache.lookup("ns", request, now=at(10.5))
    assert lookup.gaps == [] and len(lookup.used) == 3
    await scan_cache.store.delete("ns", lookup.used[1][0].value_key(lookup.key))
    lookup = await scan_cache.lookup("ns", request, now=at(10.5))
    assert lookup.gaps == [Window(at(1), at(2))]
    assert len(await scan_cache.ranges("ns", lookup.key, at(10.5))) == 2


async def test_ranges_expire_with_the_ttl() -> None:
    scan_cache = cache()
    request = ScanRequest(LogType.WEBHOOK, Window(at(0), at(1)))
    capture = scan_cache.capture(request.window, now=at(10))
    await scan_cache.keep("ns", scan_cache.key(request), [(capture, ())], now=at(10))
    assert (await scan_cache.lookup("ns", request, now=at(10.9))).gaps == []
    assert (await scan_cache.lookup("ns", request, now=at(11))).gaps == [request.window]


class Interleaving(MemoryBlobStore):
    """A store whose reads answer after other tasks had their turn, as a shared store's round trips do."""

    async def get(self, namespace: str, key: str) -> bytes | None:
        value = await super().get(namespace, key)
        await anyio.sleep(0)
        return value


async def test_two_reads_kept_at_once_both_stay_in_the_index() -> None:
    """Two scans (or replicas) end together: each reads the index, adds its range and writes it back; the
    second write must merge with the first, not overwrite it."""
    scan_cache = ScanCache(Interleaving(1 << 20), "scope", settle=timedelta(minutes=5), ttl=timedelta(hours=1))
    request = ScanRequest(LogType.WEBHOOK, Window(at(0), at(4)))
    key = scan_cache.key(request)
    reads = []
    for start in (0, 2):
        capture = scan_cache.capture(Window(at(start), at(start + 2)), now=at(10))
        capture.add(at(start + 0.5), row(at(start + 0.5)))
        reads.append([(capture, ())])
    async with anyio.create_task_group() as group:
        for read in reads:
            group.start_soon(scan_cache.keep, "ns", key, read, at(10))
    lookup = await scan_cache.lookup("ns", request, now=at(10.5))
    assert lookup.gaps == [] and sum(cached.rows for cached, _, _ in lookup.used) == 2


async def test_a_range_the_index_forgets_past_its_bound_leaves_the_store() -> None:
    scan_cache = ScanCache(
        MemoryBlobStore(1 << 20), "scope", settle=timedelta(minutes=5), ttl=timedelta(hours=1), max_ranges=2
    )
    request = ScanRequest(LogType.WEBHOOK, Window(at(0), at(3)))
    key = scan_cache.key(request)
    for hour in range(3):
        capture = scan_cache.capture(Window(at(hour), at(hour + 1)), now=at(10))
        capture.add(at(hour + 0.5), row(at(hour + 0.5)))
        await scan_cache.keep("ns", key, [(capture, ())], now=at(10 + hour / 10))
    held = await scan_cache.ranges("ns", key, at(10.5))
    assert [cached.window.start for cached in held] == [at(1), at(2)]
    first = CachedRange(Window(at(0), at(1)), at(10), 1)
    assert await scan_cache.store.get("ns", first.value_key(key)) is None
