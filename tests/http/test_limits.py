"""Limits: concurrent analyses per MCP session and per principal, and MCP sessions per server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from tests.helpers import structured, text_of
from tests.http.deployment import ALICE, BOB, INITIALIZE, SEARCH, Servers, Truto, auth, connect, post
from truto_log_mcp.sandbox import Fault

pytestmark = pytest.mark.anyio


async def two_running_then_busy(
    truto: Truto, capped: Client, other: Client, tool: str, analysis: dict[str, str]
) -> None:
    """Two analyses of ``capped`` wait on a hanging upstream: a third answers ``[busy]`` while ``other``'s
    is answered; both waiting analyses then answer."""
    truto.sandbox.faults.extend([Fault(hang_s=1.5), Fault(hang_s=1.5)])
    results: list[CallToolResult] = []

    async def analyse(arguments: dict[str, str]) -> None:
        results.append(await capped.call_tool(tool, arguments))

    async with anyio.create_task_group() as group:
        group.start_soon(analyse, analysis)
        # Another log type: the same window's second scan would wait for the first's read (single flight).
        group.start_soon(analyse, {**analysis, "log_type": "mcp"})
        with anyio.fail_after(10):
            while truto.sandbox.faults:  # both analyses are waiting on the hanging upstream
                await anyio.sleep(0.02)
        busy = await capped.call_tool(tool, analysis)
        assert busy.is_error and text_of(busy).startswith("[busy]")
        structured(await other.call_tool(tool, analysis))
    assert len(results) == 2 and all(not result.is_error for result in results)


async def test_a_session_runs_at_most_two_analyses_at_once(servers: Servers, truto: Truto) -> None:
    analysis = {"log_type": "webhook", "since": "1h"}
    async with (
        connect(servers.team.url, auth(user=ALICE), "legacy") as first,
        connect(servers.team.url, auth(user=ALICE), "legacy") as second,
    ):
        await two_running_then_busy(truto, first, second, "summarize_errors", analysis)  # another session: its own


async def test_sessions_beyond_the_limit_answer_503_until_one_ends(servers: Servers) -> None:
    url = servers.limits.url
    async with connect(url, {}, "legacy") as first:
        async with connect(url, {}, "legacy"):
            refused = await post(url, INITIALIZE, {})
            assert refused.status_code == 503
            assert "Too many open sessions" in refused.text
            assert (await first.call_tool("describe_log_types", {})).is_error is False
        async with connect(url, {}, "legacy") as third:  # the second session ended (DELETE): room again
            structured(await third.call_tool("search_logs", SEARCH))


@asynccontextmanager
async def sessionless_with_random_session_ids(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    """A 2026-07-28 (sessionless) client that sends a new made-up ``Mcp-Session-Id`` with every request."""

    async def made_up_session(request: httpx2.Request) -> None:
        request.headers["mcp-session-id"] = uuid.uuid4().hex

    timeout = httpx2.Timeout(30.0, read=60.0)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout, event_hooks={"request": [made_up_session]}) as http:
        async with Client(streamable_http_client(url, http_client=http), mode="auto") as client:
            yield client


async def test_made_up_session_ids_do_not_lift_the_sessionless_analysis_cap(servers: Servers, truto: Truto) -> None:
    # The team server allows 2 sessionless analyses per principal (TRUTO_MAX_SCANS_PER_PRINCIPAL=2).
    analysis = {"log_type": "webhook", "since": "1h"}
    async with (
        sessionless_with_random_session_ids(servers.team.url, auth(user=ALICE)) as alice,
        sessionless_with_random_session_ids(servers.team.url, auth(user=BOB)) as bob,
    ):
        await two_running_then_busy(truto, alice, bob, "log_stats", analysis)  # another principal: its own cap
