"""scan_window: whole windows read concurrently, split under the month rule, within budgets."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx2
import pytest

from tests.helpers import FAST_RETRIES, VIRTUAL_TIME, sandbox_http, truto_client
from truto_log_mcp.errors import AuthFailed
from truto_log_mcp.query.timeparse import Window, latest_end
from truto_log_mcp.rows import ProgressCallback, RowSink
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, Sandbox, SandboxConfig
from truto_log_mcp.upstream.client import Deadline
from truto_log_mcp.upstream.ratelimit import RateBudget
from truto_log_mcp.upstream.scanner import scan_window
from truto_log_mcp.upstream.windows import ScanBudget, ScanCoverage, ScanRequest, split_window

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def scan(
    http: httpx2.AsyncClient,
    request: ScanRequest,
    sink: RowSink,
    *,
    concurrency: int,
    budget: ScanBudget | None = None,
    token: str = SANDBOX_TOKEN,
    rate: RateBudget | None = None,
    on_progress: ProgressCallback | None = None,
    expected_rows: float | None = None,
) -> ScanCoverage:
    client = truto_client(http, token=token, policy=FAST_RETRIES, rate=rate)
    return await scan_window(
        client,
        request,
        sink,
        budget=budget or ScanBudget(),
        concurrency=concurrency,
        deadline=Deadline(30),
        on_progress=on_progress,
        expected_rows=expected_rows,
    )


@asynccontextmanager
async def planted_upstream(rows: list[dict[str, Any]], latency_s: float = 0.0) -> AsyncIterator[httpx2.AsyncClient]:
    """An upstream holding only ``rows`` (webhook rows), so that every count is known."""
    config = SandboxConfig(
        now=NOW, generate=False, extra_rows={LogType.WEBHOOK: rows}, rate_limit=None, latency_s=latency_s
    )
    async with sandbox_http(Sandbox(config), token=None) as http:
        yield http


def in_window(rows: list[dict[str, Any]], window: Window) -> list[dict[str, Any]]:
    return [row for row in rows if window.start < datetime.fromisoformat(row["timestamp"]) < window.end]


def test_split_keeps_every_piece_under_the_month_rule() -> None:
    window = Window(NOW - timedelta(days=75), NOW)
    pieces = split_window(window, 4)
    assert pieces[0].start == window.start and pieces[-1].end == window.end
    assert all(piece.end <= latest_end(piece.start) for piece in pieces)
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))


async def test_a_window_with_one_page_of_rows_costs_one_request_per_sub_window(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    """No probe round: every worker starts on a sub-window at once, so a small window costs one round of
    requests, one each, and no second page."""
    rows = sandbox.rows(LogType.WEBHOOK)
    newest = datetime.fromisoformat(rows[0]["timestamp"])
    window = Window(newest - timedelta(minutes=30), newest + timedelta(seconds=1))
    coverage = await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=8)
    assert coverage.complete
    assert coverage.pages == len(sandbox.requests) == coverage.sub_windows == 8
    assert not any(key == "next_cursor" for request in sandbox.requests for key, _ in request.params)


async def test_a_window_with_one_page_of_rows_costs_one_request_with_one_worker(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    rows = sandbox.rows(LogType.WEBHOOK)
    newest = datetime.fromisoformat(rows[0]["timestamp"])
    window = Window(newest - timedelta(minutes=30), newest + timedelta(seconds=1))
    coverage = await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=1)
    assert coverage.complete
    assert coverage.pages == len(sandbox.requests) == 1


async def test_a_window_expected_to_fit_one_page_costs_one_request_with_eight_workers(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    rows = sandbox.rows(LogType.WEBHOOK)
    newest = datetime.fromisoformat(rows[0]["timestamp"])
    window = Window(newest - timedelta(minutes=30), newest + timedelta(seconds=1))
    expected = len(in_window(rows, window))
    seen: list[dict[str, Any]] = []
    coverage = await scan(
        http, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=8, expected_rows=expected
    )
    assert coverage.complete and len(seen) == expected
    assert coverage.pages == len(sandbox.requests) == 1


def test_split_does_not_cut_below_a_minute() -> None:
    assert len(split_window(Window(NOW - timedelta(minutes=3), NOW), 32)) == 3


async def test_concurrent_scan_reads_every_row_once(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    rows = sandbox.rows(LogType.UNIFIED_PROXY_API)
    newest = datetime.fromisoformat(rows[0]["timestamp"])
    window = Window(newest - timedelta(days=3), newest + timedelta(seconds=1))
    seen: list[dict[str, Any]] = []
    coverage = await scan(http, ScanRequest(LogType.UNIFIED_PROXY_API, window), seen.append, concurrency=8)
    expected = in_window(rows, window)
    assert coverage.complete
    assert coverage.rows_scanned == len(expected) == len(seen)
    assert sorted(row["http_request_id"] for row in seen) == sorted(row["http_request_id"] for row in expected)
    assert coverage.sub_windows > 1


async def test_rows_stamped_on_a_sub_window_boundary_are_read_once() -> None:
    window = Window(NOW - timedelta(hours=1), NOW)
    boundaries = [piece.start for piece in split_window(window, 8)[1:]]
    planted = [
        {"log_type": "webhook", "timestamp": moment.isoformat().replace("+00:00", "Z"), "id": str(i), "message": "m"}
        for i, moment in enumerate(boundaries)
    ]
    seen: list[dict[str, Any]] = []
    async with planted_upstream(planted) as c:
        await scan(c, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=2)
    assert sorted(row["id"] for row in seen) == sorted(row["id"] for row in planted)


async def test_a_window_longer_than_a_month_is_scanned_in_legal_chunks() -> None:
    window = Window(NOW - timedelta(days=45), NOW)
    planted = [
        {
            "log_type": "webhook",
            "timestamp": (NOW - timedelta(days=d, minutes=7)).isoformat().replace("+00:00", "Z"),
            "id": str(d),
        }
        for d in range(45)
    ]
    seen: list[dict[str, Any]] = []
    async with planted_upstream(planted) as c:
        coverage = await scan(c, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=1)
    assert coverage.complete
    assert len(seen) == 45


async def test_row_budget_stops_the_scan_and_names_what_was_not_read(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    window = Window(NOW - timedelta(days=14), NOW + timedelta(days=1))
    seen: list[dict[str, Any]] = []
    coverage = await scan(
        http,
        ScanRequest(LogType.UNIFIED_PROXY_API, window),
        seen.append,
        budget=ScanBudget(max_rows=300),
        concurrency=2,
    )
    assert coverage.stopped_by == "row_budget"
    assert not coverage.complete
    assert coverage.unread
    assert 300 <= coverage.rows_scanned < 300 + 2 * 100


async def test_pages_on_their_way_count_against_the_row_budget(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    """Eight workers, a budget of one page: one request, not eight first pages at once."""
    window = Window(NOW - timedelta(days=14), NOW + timedelta(days=1))
    coverage = await scan(
        http,
        ScanRequest(LogType.UNIFIED_PROXY_API, window),
        lambda row: None,
        budget=ScanBudget(max_rows=100),
        concurrency=8,
    )
    assert coverage.stopped_by == "row_budget"
    assert coverage.rows_scanned == 100
    assert len(sandbox.requests) == 1


async def test_a_failing_sub_window_is_reported_and_the_rest_is_read(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.faults.extend([Fault(hang_s=0), Fault(status=503)])  # the first page passes, the next fails
    rows = sandbox.rows(LogType.WEBHOOK)
    newest = datetime.fromisoformat(rows[0]["timestamp"])
    window = Window(newest - timedelta(days=2), newest + timedelta(seconds=1))
    seen: list[dict[str, Any]] = []
    coverage = await scan(http, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=1)
    assert len(coverage.failed) == 1
    assert "[upstream_unavailable]" in coverage.failed[0]
    assert not coverage.complete
    assert 0 < len(seen) < len(in_window(rows, window))


async def test_an_auth_failure_stops_the_whole_scan(http: httpx2.AsyncClient) -> None:
    window = Window(NOW - timedelta(days=1), NOW)
    with pytest.raises(AuthFailed):
        await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=4, token="wrong")


async def test_concurrency_stays_within_the_rate_budget(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    window = Window(NOW - timedelta(days=14), NOW + timedelta(days=1))
    budget = RateBudget(20, 1.0)
    await scan(
        http,
        ScanRequest(LogType.UNIFIED_PROXY_API, window),
        lambda row: None,
        budget=ScanBudget(max_pages=45),
        concurrency=8,
        rate=budget,
    )
    assert sandbox.max_requests_in_any_window(1.0) <= 20
    assert len(sandbox.requests) >= 40


async def test_progress_reports_the_share_of_the_window_read(http: httpx2.AsyncClient) -> None:
    window = Window(NOW - timedelta(days=2), NOW)
    reports: list[tuple[float, float]] = []

    async def on_progress(done: float, total: float) -> None:
        reports.append((done, total))

    await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=2, on_progress=on_progress)
    assert reports[-1] == (window.span.total_seconds(), window.span.total_seconds())


async def test_idle_workers_take_over_half_of_a_busy_sub_window() -> None:
    busy_hour = NOW - timedelta(hours=10)
    planted = [
        {
            "log_type": "webhook",
            "timestamp": (busy_hour + timedelta(seconds=2 * i)).isoformat().replace("+00:00", "Z"),
            "id": str(i),
        }
        for i in range(1500)
    ]
    # Latency gives the other workers their turn, as a real network does.
    seen: list[dict[str, Any]] = []
    async with planted_upstream(planted, latency_s=0.01) as c:
        coverage = await scan(
            c, ScanRequest(LogType.WEBHOOK, Window(NOW - timedelta(days=1), NOW)), seen.append, concurrency=4
        )
    assert sorted(int(row["id"]) for row in seen) == list(range(1500))
    assert coverage.complete
    assert coverage.sub_windows > 4  # 4 at the start: the rest came from taking over


# ---- at the bound on every density (virtual time: a page takes exactly LATENCY, nothing else does) ------------

LATENCY = 0.25
WORKERS = 8


def afternoon_peak(moment: datetime) -> float:
    """A day's activity relative to its peak: busiest at 14:00 UTC (1.5 x the mean), quietest at 02:00 (0.5 x)."""
    return (1 + 0.5 * math.cos(2 * math.pi * (moment.hour + moment.minute / 60 - 14) / 24)) / 1.5


def office_hours(moment: datetime) -> float:
    return 1.0 if 9 <= moment.hour < 17 else 0.1


def stamps(
    rng: random.Random, window: Window, count: int, weight: Callable[[datetime], float] | None = None
) -> list[datetime]:
    """``count`` random moments in ``window``, spread as ``weight`` says (0 to 1; None: evenly)."""
    moments: list[datetime] = []
    while len(moments) < count:
        moment = window.start + window.span * rng.random()
        if weight is None or rng.random() < weight(moment):
            moments.append(moment)
    return moments


def days(count: float) -> Window:
    return Window(NOW - timedelta(days=count), NOW)


def quiet_week_with_a_burst(hours_ago: float = 77, minutes: float = 60) -> Callable[[random.Random], list[datetime]]:
    """300 rows over a week and 3,000 in a burst of ``minutes`` that began ``hours_ago``."""

    def make(rng: random.Random) -> list[datetime]:
        busy = NOW - timedelta(hours=hours_ago)
        return stamps(rng, days(7), 300) + stamps(rng, Window(busy, busy + timedelta(minutes=minutes)), 3000)

    return make


SHAPES: dict[str, tuple[Window, Callable[[random.Random], list[datetime]]]] = {
    "sparse: 10 days, 320 rows a day": (days(10), lambda rng: stamps(rng, days(10), 3200, afternoon_peak)),
    "dense: 24 h, 20,000 rows": (days(1), lambda rng: stamps(rng, days(1), 20_000, afternoon_peak)),
    "daily cycle: a week, office hours 10 x the night": (
        days(7),
        lambda rng: stamps(rng, days(7), 10_000, office_hours),
    ),
    "short and dense: one hour, 3,000 rows": (days(1 / 24), lambda rng: stamps(rng, days(1 / 24), 3000)),
    "long: 60 days, 30,000 rows": (days(60), lambda rng: stamps(rng, days(60), 30_000, afternoon_peak)),
    "bursty: a quiet week with one busy hour": (days(7), quiet_week_with_a_burst()),
    "bursty: ten busy minutes 29 h ago": (days(7), quiet_week_with_a_burst(29, 10)),
    "bursty: ten busy minutes 150 h ago": (days(7), quiet_week_with_a_burst(150, 10)),
    "bursty: six busy hours 101 h ago": (days(7), quiet_week_with_a_burst(101.3, 360)),
}


@dataclass(frozen=True)
class Timed:
    coverage: ScanCoverage
    seen: list[dict[str, Any]]
    planted: list[dict[str, Any]]
    requests: int
    seconds: float

    @property
    def share_of_bound(self) -> float:
        """Requests per second against the bound (WORKERS / LATENCY: the rate budget does not bind here)."""
        return self.requests / self.seconds / (WORKERS / LATENCY)


_TIMED: dict[str, Timed] = {}
"""Each shape's scan, made once: it is deterministic (virtual time, seeded rows)."""


async def timed_scan(shape: str) -> Timed:
    if shape not in _TIMED:
        _TIMED[shape] = await _timed_scan(shape)
    return _TIMED[shape]


async def _timed_scan(shape: str) -> Timed:
    window, make = SHAPES[shape]
    planted = [
        {
            "log_type": "webhook",
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "id": str(i),
        }
        for i, moment in enumerate(make(random.Random(7)))
    ]
    config = SandboxConfig(
        now=NOW, generate=False, extra_rows={LogType.WEBHOOK: planted}, rate_limit=None, latency_s=LATENCY
    )
    sandbox = Sandbox(config)
    seen: list[dict[str, Any]] = []
    async with sandbox_http(sandbox, token=None) as http:
        started = anyio.current_time()
        budget = ScanBudget(max_rows=200_000, max_pages=5_000, max_seconds=3_600)
        coverage = await scan(
            http, ScanRequest(LogType.WEBHOOK, window), seen.append, concurrency=WORKERS, budget=budget
        )
        seconds = anyio.current_time() - started
    return Timed(coverage, seen, planted, len(sandbox.requests), seconds)


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_shape_is_read_whole_once_with_few_requests_beyond_one_per_100_rows(shape: str) -> None:
    timed = await timed_scan(shape)
    assert timed.coverage.complete
    assert sorted(row["id"] for row in timed.seen) == sorted(row["id"] for row in timed.planted)
    allowed = 1.05 * (len(timed.planted) / 100 + timed.coverage.sub_windows)
    assert timed.requests <= allowed
    assert timed.coverage.peak_in_flight == WORKERS


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_shape_is_read_at_85_percent_of_the_bound_or_more(shape: str) -> None:
    timed = await timed_scan(shape)
    assert timed.share_of_bound >= 0.85, f"{timed.requests} requests in {timed.seconds / LATENCY:.0f} rounds"


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
@pytest.mark.parametrize("shape", [shape for shape in SHAPES if shape.startswith("bursty")])
async def test_a_burst_in_a_quiet_week_is_read_in_six_rounds(shape: str) -> None:
    """3,300 rows: 33 pages and a part page per sub-window, 5 rounds at the least. The first page that
    reaches the burst says how dense it is (its older half), so idle workers take parts of it at once;
    the burst is trusted to go on for 48 pages at most, so their cuts do not fall below a short one,
    into the quiet hours (7 to 8 rounds when it was trusted all the way)."""
    timed = await timed_scan(shape)
    assert timed.seconds <= 6 * LATENCY


@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])
async def test_a_sparse_window_takes_five_rounds_no_probe_round(shape: str = "sparse: 10 days, 320 rows a day") -> None:
    """32 pages one after another take 32 rounds; no probe round, so every page ending a sub-window (33 to 40
    requests at 8 in flight) fits in 5: 6.4 x."""
    timed = await timed_scan(shape)
    assert timed.seconds == pytest.approx(5 * LATENCY)
