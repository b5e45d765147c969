"""scan_window: whole windows read concurrently, split under the month rule, within budgets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from tests.helpers import FAST_RETRIES, sandbox_http, truto_client
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


def last_half_hour(sandbox: Sandbox) -> Window:
    """The half hour up to the sandbox's newest webhook row: one page of rows."""
    newest = datetime.fromisoformat(sandbox.rows(LogType.WEBHOOK)[0]["timestamp"])
    return Window(newest - timedelta(minutes=30), newest + timedelta(seconds=1))


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
    window = last_half_hour(sandbox)
    coverage = await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=8)
    assert coverage.complete
    assert coverage.pages == len(sandbox.requests) == coverage.sub_windows == 8
    assert not any(key == "next_cursor" for request in sandbox.requests for key, _ in request.params)


async def test_a_window_with_one_page_of_rows_costs_one_request_with_one_worker(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    window = last_half_hour(sandbox)
    coverage = await scan(http, ScanRequest(LogType.WEBHOOK, window), lambda row: None, concurrency=1)
    assert coverage.complete
    assert coverage.pages == len(sandbox.requests) == 1


async def test_a_window_expected_to_fit_one_page_costs_one_request_with_eight_workers(
    http: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    rows = sandbox.rows(LogType.WEBHOOK)
    window = last_half_hour(sandbox)
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
