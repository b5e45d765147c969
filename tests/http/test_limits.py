"""Limits: concurrent analyses per MCP session, and MCP sessions per server."""

from __future__ import annotations

import anyio
import pytest
from mcp_types import CallToolResult

from tests.helpers import structured, text_of
from tests.http.deployment import ALICE, INITIALIZE, SEARCH, Servers, Truto, auth, connect, post
from truto_log_mcp.sandbox import Fault

pytestmark = pytest.mark.anyio


async def test_a_session_runs_at_most_two_analyses_at_once(servers: Servers, truto: Truto) -> None:
    analysis = {"log_type": "webhook", "since": "1h"}
    truto.sandbox.faults.extend([Fault(hang_s=1.5), Fault(hang_s=1.5)])
    results: list[CallToolResult] = []
    async with (
        connect(servers.team.url, auth(user=ALICE), "legacy") as first,
        connect(servers.team.url, auth(user=ALICE), "legacy") as second,
    ):

        async def analyse() -> None:
            results.append(await first.call_tool("summarize_errors", analysis))

        async with anyio.create_task_group() as group:
            group.start_soon(analyse)
            group.start_soon(analyse)
            with anyio.fail_after(10):
                while truto.sandbox.faults:  # both analyses are waiting on the hanging upstream
                    await anyio.sleep(0.02)
            busy = await first.call_tool("summarize_errors", analysis)
            assert busy.is_error and text_of(busy).startswith("[busy]")
            other_session = await second.call_tool("summarize_errors", analysis)
            structured(other_session)
    assert len(results) == 2 and all(not result.is_error for result in results)


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
