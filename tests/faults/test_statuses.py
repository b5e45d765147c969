"""Upstream error statuses: 429 (Retry-After honoured, capped, then [rate_limited] saying when), 5xx, 401/403."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mcp import Client

from tests.faults.matrix import UPSTREAM_CALLS, assert_next_call_answered, client_with, newest_webhook_timestamps
from tests.helpers import error_of, structured
from truto_log_mcp.sandbox import Fault, Sandbox

pytestmark = pytest.mark.anyio


# ---- 429: Retry-After honoured, capped, then [rate_limited] saying when ----------------------------------


async def test_429_within_the_cap_is_waited_out_and_the_search_answers(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=429, retry_after=0.5))
    started = time.monotonic()
    result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
    assert time.monotonic() - started >= 0.5
    assert [row[1] for row in structured(result)["rows"]] == newest_webhook_timestamps(sandbox, 3)
    assert [request.status for request in sandbox.requests] == [429, 200]


async def test_429_beyond_the_cap_answers_rate_limited_with_the_wait_at_once(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=429, retry_after=3))  # over the 1 s cap, well within the 8 s deadline
    started = time.monotonic()
    text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "rate_limited")
    assert time.monotonic() - started < 1.0
    assert "Wait 3 s, then retry" in text
    assert len(sandbox.requests) == 1
    await assert_next_call_answered(client, sandbox)


async def test_persistent_429_answers_rate_limited_after_the_attempts(sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(status=429, retry_after=1) for _ in range(2))
    async with client_with(sandbox, max_attempts=2) as client:
        text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "rate_limited")
        assert "Wait 1 s, then retry" in text
        assert [request.status for request in sandbox.requests] == [429, 429]
        await assert_next_call_answered(client, sandbox)


async def test_429_without_retry_after_backs_off_and_answers(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=429))
    result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
    assert [row[1] for row in structured(result)["rows"]] == newest_webhook_timestamps(sandbox, 3)
    assert [request.status for request in sandbox.requests] == [429, 200]


# ---- 5xx ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_one_transient_5xx_is_retried_and_the_search_answers_correctly(
    client: Client, sandbox: Sandbox, status: int
) -> None:
    sandbox.faults.append(Fault(status=status))
    result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
    assert [row[1] for row in structured(result)["rows"]] == newest_webhook_timestamps(sandbox, 3)
    assert [request.status for request in sandbox.requests] == [status, 200]


async def test_persistent_5xx_answers_upstream_unavailable_after_max_attempts(sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(status=502) for _ in range(2))
    async with client_with(sandbox, max_attempts=2) as client:
        text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "upstream_unavailable")
        assert "502" in text
        assert "retry in a minute" in text
        assert [request.status for request in sandbox.requests] == [502, 502]
        await assert_next_call_answered(client, sandbox)


async def test_503_is_not_retried_and_says_retrying_will_not_help(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=503))
    text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "upstream_unavailable")
    assert "503" in text
    assert "retrying will not help" in text
    assert len(sandbox.requests) == 1
    await assert_next_call_answered(client, sandbox)


# ---- 401 / 403: [auth_failed] naming what to fix ------------------------------------------------------------


@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=[tool for tool, _ in UPSTREAM_CALLS])
async def test_a_rejected_token_answers_auth_failed_naming_the_variable_from_every_tool(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    async with client_with(sandbox, api_token="not-the-token") as client:
        text = error_of(await client.call_tool(tool, arguments), "auth_failed")
        assert "401" in text
        assert "TRUTO_API_TOKEN" in text
        assert all(request.status == 401 for request in sandbox.requests)
        assert len(sandbox.requests) == 1, "a 401 is not retried and stops the scan"
        assert not (await client.call_tool("describe_log_types", {})).is_error


@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=[tool for tool, _ in UPSTREAM_CALLS])
async def test_403_answers_auth_failed_saying_the_token_is_not_allowed_from_every_tool(
    client: Client, sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    sandbox.faults.append(Fault(status=403))
    text = error_of(await client.call_tool(tool, arguments), "auth_failed")
    assert "403" in text
    assert "not allowed" in text
    assert "TRUTO_API_TOKEN" in text
    assert sandbox.requests[0].status == 403
    await assert_next_call_answered(client, sandbox)
