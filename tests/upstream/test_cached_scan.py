"""cached_scan: the cached part of a window answered from the scan cache, only the gaps read upstream,
every row passed on exactly once, and exactly the rows an uncached scan passes on."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from tests.helpers import FakeClock, sandbox_http, truto_client
from truto_log_mcp.errors import AuthFailed
from truto_log_mcp.query.timeparse import Window, iso
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, Sandbox, SandboxConfig
from truto_log_mcp.state.blobs import MemoryBlobStore
from truto_log_mcp.upstream.cached_scan import cached_scan
from truto_log_mcp.upstream.client import Deadline
from truto_log_mcp.upstream.scan_cache import ScanCache
from truto_log_mcp.upstream.scanner import scan_window
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
SETTLE = timedelta(minutes=5)
START = NOW - DAY
MS = timedelta(milliseconds=1)

Row = dict[str, Any]


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def planted_rows() -> list[Row]:
    """About 900 webhook rows over the day before ``NOW`` (several pages), plus rows on every edge
    a cached scan has: the window's start, cell boundaries (whole hours), the settled time, a
    millisecond either side of each."""
    rng = random.Random(5)
    moments = [START + timedelta(milliseconds=rng.randrange(1, int(DAY / MS))) for _ in range(900)]
    edges = [START, START + timedelta(hours=3), NOW - SETTLE, NOW - timedelta(hours=2), START + timedelta(minutes=90)]
    moments += [edge + offset for edge in edges for offset in (-MS, timedelta(0), MS)]
    moments += [NOW - timedelta(seconds=30)] * 2  # two rows stamped alike
    return [
        {"log_type": "webhook", "timestamp": stamp(moment), "id": str(index), "message": "m"}
        for index, moment in enumerate(moments)
    ]


ROWS = planted_rows()


def expected(window: Window) -> list[str]:
    """The ids an uncached scan passes on: the upstream's bounds are exclusive, to the millisecond."""
    start, end = stamp(window.start), stamp(window.end)
    return sorted(row["id"] for row in ROWS if start < row["timestamp"] < end)


@dataclass
class Upstream:
    sandbox: Sandbox
    http: httpx2.AsyncClient
    cache: ScanCache

    async def read(
        self,
        window: Window,
        now: datetime,
        namespace: str = "alice",
        budget: ScanBudget | None = None,
        token: str = SANDBOX_TOKEN,
    ) -> tuple[list[str], ScanCoverage, int]:
        """The ids passed on (sorted, repeats kept), the coverage, and the upstream requests it cost."""
        seen: list[Row] = []
        self.sandbox.requests.clear()
        client = truto_client(self.http, token=token)
        coverage = await cached_scan(
            self.cache,
            namespace,
            now,
            client,
            ScanRequest(LogType.WEBHOOK, window),
            seen.append,
            budget=budget or ScanBudget(),
            concurrency=4,
            deadline=Deadline(30),
        )
        return sorted(row["id"] for row in seen), coverage, len(self.sandbox.requests)


def new_cache(max_bytes: int = 1 << 24) -> ScanCache:
    return ScanCache(MemoryBlobStore(max_bytes), "scope", settle=SETTLE, ttl=timedelta(hours=1))


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    config = SandboxConfig(now=NOW, generate=False, extra_rows={LogType.WEBHOOK: ROWS}, rate_limit=None)
    sandbox = Sandbox(config)
    async with sandbox_http(sandbox, token=None) as http:
        yield Upstream(sandbox, http, new_cache())


async def test_a_follow_up_reads_only_the_newest_minutes_upstream(upstream: Upstream) -> None:
    first, cold, cold_requests = await upstream.read(Window(START, NOW), now=NOW)
    later = NOW + timedelta(minutes=2)
    window = Window(START + timedelta(minutes=2), later)
    second, warm, warm_requests = await upstream.read(window, now=later)
    assert first == expected(Window(START, NOW)) and second == expected(window)
    assert cold_requests > 5 and warm_requests == 1
    assert warm.cached == (Window(window.start, NOW - SETTLE),)
    assert warm.cache_age == timedelta(minutes=2)
    assert warm.rows_scanned == len(second) and warm.pages == 1 and warm.complete


async def test_an_uncached_scan_passes_on_the_same_rows(upstream: Upstream) -> None:
    window = Window(START, NOW)
    seen: list[Row] = []
    await scan_window(
        truto_client(upstream.http),
        ScanRequest(LogType.WEBHOOK, window),
        seen.append,
        budget=ScanBudget(),
        concurrency=4,
        deadline=Deadline(30),
    )
    assert sorted(row["id"] for row in seen) == expected(window)


@pytest.mark.parametrize(
    "window",
    [
        Window(START - timedelta(hours=1), NOW + timedelta(minutes=1)),  # both edges outside what was read
        Window(START + timedelta(hours=3), NOW - timedelta(hours=2)),  # starts and ends on stamped rows
        Window(START + timedelta(minutes=90) + MS, NOW - SETTLE),  # inside cells, ends on the settled time
        Window(START, NOW),  # the same window again
        Window(START - timedelta(hours=2), START + timedelta(hours=1)),  # overlaps the start only
    ],
)
async def test_windows_overlapping_what_was_read_pass_every_row_once(upstream: Upstream, window: Window) -> None:
    await upstream.read(Window(START, NOW), now=NOW)
    ids, coverage, _ = await upstream.read(window, now=NOW + timedelta(minutes=1))
    assert ids == expected(window)
    assert coverage.cached and coverage.complete and coverage.rows_scanned == len(ids)


async def test_a_window_read_twice_more_is_still_exact(upstream: Upstream) -> None:
    windows = [Window(START + timedelta(hours=5), NOW), Window(START, NOW - timedelta(hours=6)), Window(START, NOW)]
    for minutes, window in enumerate(windows):
        ids, _, _ = await upstream.read(window, now=NOW + timedelta(minutes=minutes))
        assert ids == expected(window)
    _, coverage, requests = await upstream.read(Window(START, NOW), now=NOW + timedelta(minutes=3))
    assert requests == 1  # the minutes not settled at the last read
    assert coverage.cached == (Window(START, NOW + timedelta(minutes=2) - SETTLE),)


async def test_what_a_budget_left_unread_is_not_cached(upstream: Upstream) -> None:
    window = Window(START, NOW)
    _, partial, _ = await upstream.read(window, now=NOW, budget=ScanBudget(max_pages=3))
    assert partial.unread
    ids, coverage, requests = await upstream.read(window, now=NOW)
    assert ids == expected(window) and coverage.complete and requests > 1
    assert not any(part.start < gap.end and gap.start < part.end for part in coverage.cached for gap in partial.unread)


async def test_a_failed_gap_is_named_by_its_own_interval_and_the_cached_part_still_answers(upstream: Upstream) -> None:
    await upstream.read(Window(START, NOW), now=NOW)
    upstream.sandbox.faults.extend([Fault(status=503), Fault(status=503)])  # both attempts of the gap's request
    later = NOW + timedelta(minutes=1)
    window = Window(START + timedelta(minutes=1), later)
    ids, coverage, _ = await upstream.read(window, now=later)
    gap = Window(NOW - SETTLE, later)
    assert coverage.unread == (gap,)
    assert len(coverage.failed) == 1 and coverage.failed[0].startswith(f"{iso(gap.start)}/{iso(gap.end)}: [")
    assert ids == expected(Window(window.start, gap.start))  # every row before the gap (its start is the gap's)


async def test_another_namespace_finds_nothing(upstream: Upstream) -> None:
    window = Window(START, NOW - timedelta(hours=1))
    _, _, cold = await upstream.read(window, now=NOW)
    ids, coverage, requests = await upstream.read(window, now=NOW, namespace="bob")
    assert ids == expected(window) and requests == cold and not coverage.cached
    _, coverage, requests = await upstream.read(window, now=NOW, namespace="alice")
    assert requests == 0 and coverage.cached == (window,)


async def test_a_refused_token_is_refused_even_when_the_cache_holds_rows(upstream: Upstream) -> None:
    await upstream.read(Window(START, NOW), now=NOW)
    with pytest.raises(AuthFailed):
        await upstream.read(Window(START, NOW), now=NOW, token="revoked-token")


async def test_past_the_byte_bound_the_least_recently_used_ranges_are_evicted_and_read_again(
    upstream: Upstream,
) -> None:
    upstream.cache = new_cache(max_bytes=10_000)  # about four of the eight reads below
    windows = [Window(START + timedelta(hours=3 * i - 1), START + timedelta(hours=3 * i + 2)) for i in range(8)]
    for window in windows:
        await upstream.read(window, now=NOW)
        assert await upstream.cache.store.bytes_used() <= 10_000
    ids, coverage, requests = await upstream.read(windows[0], now=NOW)
    assert ids == expected(windows[0]) and requests > 0 and not coverage.cached
    ids, coverage, requests = await upstream.read(windows[-1], now=NOW)
    assert ids == expected(windows[-1]) and requests == 0 and coverage.cached == (windows[-1],)


async def test_a_short_window_inside_a_long_cached_range_is_charged_only_its_part(upstream: Upstream) -> None:
    await upstream.read(Window(NOW - timedelta(days=7), NOW), now=NOW)  # cached in cells of hours
    later = NOW + timedelta(minutes=2)
    window = Window(later - timedelta(minutes=10), later)
    ids, coverage, _ = await upstream.read(window, now=later, budget=ScanBudget(max_rows=200))
    assert ids == expected(window) and coverage.complete and coverage.cached


async def test_a_window_answered_from_the_cache_alone_still_asks_the_upstream_once_a_minute(upstream: Upstream) -> None:
    clock = FakeClock()
    upstream.cache = ScanCache(MemoryBlobStore(1 << 24), "scope", settle=SETTLE, ttl=timedelta(hours=1), clock=clock)
    window = Window(START, NOW - timedelta(hours=1))
    await upstream.read(window, now=NOW)
    assert (await upstream.read(window, now=NOW))[2] == 0  # the token was accepted a moment ago
    clock.now += 61
    ids, _, requests = await upstream.read(window, now=NOW)
    assert ids == expected(window) and requests == 1  # one row asked: is the token still accepted?


async def test_a_token_revoked_since_it_was_cached_is_refused(upstream: Upstream) -> None:
    clock = FakeClock()
    upstream.cache = ScanCache(MemoryBlobStore(1 << 24), "scope", settle=SETTLE, ttl=timedelta(hours=1), clock=clock)
    window = Window(START, NOW - timedelta(hours=1))
    await upstream.read(window, now=NOW)
    upstream.sandbox.config.token = "another-token"  # revoked in Truto
    clock.now += 61
    with pytest.raises(AuthFailed):
        await upstream.read(window, now=NOW)


class BrokenStore(MemoryBlobStore):
    """A store that fails every operation (a shared store that is down)."""

    async def get(self, namespace: str, key: str) -> bytes | None:
        raise ConnectionError("store down")

    async def put(self, namespace: str, key: str, value: bytes, ttl_s: float) -> bool:
        raise ConnectionError("store down")


async def test_a_store_that_fails_makes_the_scan_read_everything_upstream(upstream: Upstream) -> None:
    upstream.cache = ScanCache(BrokenStore(1 << 20), "scope", settle=SETTLE, ttl=timedelta(hours=1))
    window = Window(START, NOW)
    for _ in range(2):
        ids, coverage, requests = await upstream.read(window, now=NOW)
        assert ids == expected(window) and coverage.complete and not coverage.cached and requests > 5


def quiet_minutes() -> Window:
    """Two minutes of the day with no row: a cached range that says "no rows here"."""
    moments = sorted(datetime.fromisoformat(row["timestamp"]) for row in ROWS)
    start = next(a for a, b in zip(moments, moments[1:], strict=False) if b - a > timedelta(minutes=3) and a > START)
    return Window(start + MS, start + MS + timedelta(minutes=2))


async def test_a_long_gap_beside_a_short_quiet_cached_range_is_still_split_for_every_worker(upstream: Upstream) -> None:
    quiet = quiet_minutes()
    await upstream.read(quiet, now=NOW)
    window = Window(START, quiet.end)
    ids, coverage, _ = await upstream.read(window, now=NOW)
    assert ids == expected(window) and coverage.cached == (quiet,)
    assert coverage.sub_windows >= 4  # two quiet minutes say nothing of the hours before them
