"""A slow, hanging or unreachable upstream: one overall deadline per call, and connections refused."""

from __future__ import annotations

import socket
import time
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from tests.faults.matrix import FAST, UPSTREAM_CALLS, assert_next_call_answered, client_with, newest_webhook_timestamps
from tests.helpers import error_of, sandbox_settings, structured, text_of
from truto_log_mcp.sandbox import Fault, Sandbox
from truto_log_mcp.server import TrutoLogServer, build_server
from truto_log_mcp.settings import Settings

pytestmark = pytest.mark.anyio


# ---- slow and hanging upstream: one overall deadline per call -----------------------------------------------


async def test_a_slow_upstream_within_the_request_timeout_answers_correctly(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(hang_s=0.5))
    started = time.monotonic()
    result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
    assert time.monotonic() - started >= 0.5
    assert [row[1] for row in structured(result)["rows"]] == newest_webhook_timestamps(sandbox, 3)
    assert len(sandbox.requests) == 1


async def test_a_request_slower_than_the_request_timeout_is_abandoned_and_retried(sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(hang_s=30))
    async with client_with(sandbox, request_timeout_s=0.5) as client:
        started = time.monotonic()
        result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
        assert time.monotonic() - started < 4
        assert [row[1] for row in structured(result)["rows"]] == newest_webhook_timestamps(sandbox, 3)
        assert len(sandbox.requests) == 2


async def test_a_hanging_upstream_answers_deadline_exceeded_within_the_configured_deadline(sandbox: Sandbox) -> None:
    deadline = 1.0
    sandbox.faults.extend(Fault(hang_s=60) for _ in range(5))
    async with client_with(sandbox, call_deadline_s=deadline, request_timeout_s=20.0) as client:
        started = time.monotonic()
        with anyio.fail_after(deadline + 5):
            text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "deadline_exceeded")
        elapsed = time.monotonic() - started
        assert deadline - 0.1 <= elapsed < deadline + 1
        assert f"deadline of {deadline:.0f} s" in text
        assert "narrower window" in text
        await assert_next_call_answered(client, sandbox)


@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS[1:], ids=[tool for tool, _ in UPSTREAM_CALLS[1:]])
async def test_an_analysis_on_a_hanging_upstream_returns_within_the_deadline_saying_nothing_was_read(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    """Nothing of the window could be read: the README promises the error, not an empty analysis."""
    sandbox.faults.extend(Fault(hang_s=60) for _ in range(10))
    async with client_with(sandbox, call_deadline_s=1.0, request_timeout_s=20.0) as client:
        started = time.monotonic()
        with anyio.fail_after(6):
            result = await client.call_tool(tool, arguments)
        assert time.monotonic() - started < 2.0
        error_of(result, "deadline_exceeded")
        await assert_next_call_answered(client, sandbox)


def test_the_call_deadline_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_CALL_DEADLINE_S", "2.5")
    assert Settings().call_deadline_s == 2.5


# ---- connection refused (a real closed port, the real transport) --------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refused_server(**settings: Any) -> TrutoLogServer:
    values = {**FAST, "max_attempts": 1, **settings, "base_url": f"http://127.0.0.1:{closed_port()}"}
    return build_server(sandbox_settings(**values))


@pytest.mark.parametrize(("tool", "arguments"), UPSTREAM_CALLS, ids=[tool for tool, _ in UPSTREAM_CALLS])
async def test_connection_refused_answers_upstream_unavailable_from_every_tool(
    tool: str, arguments: dict[str, Any]
) -> None:
    async with Client(refused_server()) as client:
        with anyio.fail_after(5):
            text = error_of(await client.call_tool(tool, arguments), "upstream_unavailable")
        assert "Could not reach Truto" in text


async def test_connection_refused_leaves_the_server_answering_every_next_call() -> None:
    async with Client(refused_server()) as client:
        for _ in range(3):
            with anyio.fail_after(5):
                text = error_of(await client.call_tool("search_logs", {"log_type": "webhook"}), "upstream_unavailable")
            assert "retry in a minute" in text
        assert not (await client.call_tool("describe_log_types", {})).is_error


# ---- the default timings against the clients' own timeout ----------------------------------------------------

CLIENT_TIMEOUT_S = 60.0
"""The official TypeScript SDK's default request timeout (Claude Desktop and many clients): past it,
the user sees a generic timeout instead of the server's error."""


def hung_request_s(settings: Settings) -> float:
    """The longest a read of a hung upstream takes before it is reported: every attempt times out, and
    every back-off between them is as long as it can be (tenacity adds up to 1 s of jitter)."""
    backoffs = sum(
        min(settings.backoff_max_s, settings.backoff_initial_s * 2.0**retry + 1.0)
        for retry in range(settings.max_attempts - 1)
    )
    return settings.max_attempts * settings.request_timeout_s + backoffs


def test_the_default_call_deadline_ends_every_call_well_before_a_client_s_60_s_timeout() -> None:
    assert Settings().call_deadline_s <= CLIENT_TIMEOUT_S - 15


def test_the_default_timings_report_a_hung_upstream_in_about_30_s_inside_the_deadline() -> None:
    settings = Settings()
    assert hung_request_s(settings) <= 35 < settings.call_deadline_s
    assert settings.scan_max_seconds <= 30


SCALED_DEFAULTS: dict[str, Any] = {
    "request_timeout_s": 0.5,
    "backoff_initial_s": 0.025,
    "backoff_max_s": 0.05,
    "scan_max_seconds": 1.5,
    "call_deadline_s": 2.5,
    "max_attempts": Settings().max_attempts,
}
"""The defaults at a twentieth of their times (the back-off's fixed jitter capped; the deadline with room
for a loaded test machine)."""


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [call for call in UPSTREAM_CALLS if call[0] != "summarize_errors"],
    ids=[name for name, _ in UPSTREAM_CALLS if name != "summarize_errors"],
)
async def test_a_hung_upstream_is_reported_with_its_code_before_the_call_deadline(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    settings = sandbox_settings(**SCALED_DEFAULTS)
    sandbox.faults.extend(Fault(hang_s=60) for _ in range(30))
    async with Client(build_server(settings, httpx2.ASGITransport(app=sandbox.app))) as client:
        started = time.monotonic()
        with anyio.fail_after(5):
            result = await client.call_tool(tool, arguments)
        elapsed = time.monotonic() - started
    assert text_of(result).startswith(("[deadline_exceeded]", "[upstream_unavailable]")), text_of(result)
    assert elapsed <= hung_request_s(settings) + 0.4 < settings.call_deadline_s
