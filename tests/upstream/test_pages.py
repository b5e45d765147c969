"""search_batch: filling `limit` rows after `match`, keeping leftovers, stopping at budgets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from tests.helpers import sandbox_http, truto_client
from truto_log_mcp.errors import MalformedResponse
from truto_log_mcp.query.arguments import build_search
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox
from truto_log_mcp.upstream.client import Deadline, RetryPolicy
from truto_log_mcp.upstream.pages import SearchState, search_batch

pytestmark = pytest.mark.anyio


ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def webhook_state(**match: Any) -> SearchState:
    query = build_search(
        log_type="webhook",
        since=None,
        start=None,
        end=None,
        filters=None,
        match=match or None,
        fields=None,
        now=datetime.now(UTC),
    )
    return SearchState(query=query)


async def test_without_match_asks_upstream_for_exactly_limit_rows(sandbox: Sandbox) -> None:
    async with sandbox_http(sandbox, token=None) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        batch = await search_batch(client, webhook_state(), 7, 10, Deadline(10))
    assert len(batch.rows) == 7
    assert dict(sandbox.requests[0].params)["limit"] == "7"
    assert batch.state.pending == ()
    assert batch.stopped_by == "limit"


async def test_matching_rows_beyond_limit_are_kept_pending(sandbox: Sandbox) -> None:
    async with sandbox_http(sandbox, token=None) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        batch = await search_batch(client, webhook_state(status="2xx"), 3, 10, Deadline(10))
        following = await search_batch(client, batch.state, 3, 10, Deadline(10))
    expected = [row for row in sandbox.rows(LogType.WEBHOOK) if 200 <= row.get("webhook_endpoint_status", 0) < 300]
    assert batch.rows + following.rows == expected[:6]
    assert len(sandbox.requests) == 1


async def test_stops_at_the_page_budget_and_says_so(sandbox: Sandbox) -> None:
    async with sandbox_http(sandbox, token=None) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        batch = await search_batch(client, webhook_state(text="no row says this"), 5, 2, Deadline(10))
    assert batch.rows == []
    assert batch.pages == 2
    assert batch.stopped_by == "scan_budget"
    assert batch.state.has_more


async def test_reaching_the_last_page_ends_the_search(sandbox: Sandbox) -> None:
    run_id = sandbox.rows(LogType.RAPID_BRIDGE)[0]["sync_job_run_id"]
    query = build_search(
        log_type="rapid_bridge",
        since=None,
        start=None,
        end=None,
        filters={"sync_job_run_id": run_id},
        match=None,
        fields=None,
        now=datetime.now(UTC),
    )
    async with sandbox_http(sandbox, token=None) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        batch = await search_batch(client, SearchState(query=query), 100, 10, Deadline(10))
    assert batch.stopped_by == "end"
    assert not batch.state.has_more
    assert batch.rows == [row for row in sandbox.rows(LogType.RAPID_BRIDGE) if row["sync_job_run_id"] == run_id]


def scripted_http(pages: list[dict[str, Any]]) -> httpx2.AsyncClient:
    """An HTTP client whose upstream answers ``pages`` in turn."""
    answers = iter(pages)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=next(answers))

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler), base_url="http://upstream.test")


async def test_a_repeating_cursor_is_reported_not_followed() -> None:
    row = {"timestamp": "2026-11-25T10:00:00.000Z", "log_type": "webhook"}
    pages = [{"result": [row], "next_cursor": "same"}, {"result": [row], "next_cursor": "same"}]
    async with scripted_http(pages) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        with pytest.raises(MalformedResponse, match="same next_cursor"):
            await search_batch(client, webhook_state(), 5, 10, Deadline(10))


async def test_empty_pages_with_a_cursor_are_followed() -> None:
    row = {"timestamp": "2026-11-25T10:00:00.000Z", "log_type": "webhook"}
    pages: list[dict[str, Any]] = [
        {"result": [], "next_cursor": "a"},
        {"result": [], "next_cursor": "b"},
        {"result": [row], "next_cursor": None},
    ]
    async with scripted_http(pages) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        batch = await search_batch(client, webhook_state(), 5, 10, Deadline(10))
    assert batch.rows == [row]
    assert batch.pages == 3
    assert batch.stopped_by == "end"


async def test_a_continued_search_reports_the_progress_of_this_call(sandbox: Sandbox) -> None:
    reported: list[tuple[int, int]] = []

    async def on_page(pages: int, rows: int) -> None:
        reported.append((pages, rows))

    async with sandbox_http(sandbox, token=None) as http:
        client = truto_client(http, policy=ONE_ATTEMPT)
        first = await search_batch(client, webhook_state(), 5, 10, Deadline(10))
        await search_batch(client, first.state, 5, 10, Deadline(10), on_page)
    assert first.state.pages == 1
    assert reported == [(1, 5)]  # not (2, 10): the total it is measured against is this call's page budget
