"""The sandbox's test controls: rate limit, scripted faults, latency, the request log, real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx2
import pytest
from starlette.applications import Starlette

from tests.helpers import sandbox_http
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, RecordedRequest, Sandbox, SandboxConfig, create_app, serving

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)
PLANTED = {LogType.MCP: [{"timestamp": "2026-05-16T11:00:00.000Z", "mcp_method": "ping", "http_status_code": 200}]}
OK_BODY = {
    "result": [
        {"timestamp": "2026-05-16T11:00:00.000Z", "mcp_method": "ping", "http_status_code": 200, "log_type": "mcp"}
    ],
    "next_cursor": None,
}


def small(**overrides: Any) -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=PLANTED, **overrides))


async def get_log(http: httpx2.AsyncClient) -> httpx2.Response:
    return await http.get("/log", params={"log_type": "mcp"})


# ---- rate limit ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_requests_beyond_the_rate_limit_get_429_with_retry_after() -> None:
    sandbox = small(rate_limit=(3, 10.0))
    async with sandbox_http(sandbox) as http:
        statuses = [(await get_log(http)).status_code for _ in range(3)]
        limited = await get_log(http)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "10"
    assert set(limited.json()) == {"statusCode", "error", "message"}
    assert limited.json()["statusCode"] == 429


@pytest.mark.anyio
async def test_rejected_requests_are_recorded_too() -> None:
    sandbox = small(rate_limit=(1, 10.0))
    async with sandbox_http(sandbox) as http:
        await get_log(http)
        await get_log(http)
    assert [request.status for request in sandbox.requests] == [200, 429]


@pytest.mark.anyio
async def test_rate_limit_admits_again_once_the_window_has_slid() -> None:
    sandbox = small(rate_limit=(2, 0.5))
    async with sandbox_http(sandbox) as http:
        first = [(await get_log(http)).status_code for _ in range(3)]
        await anyio.sleep(0.55)
        later = (await get_log(http)).status_code
    assert first == [200, 200, 429]
    assert later == 200


@pytest.mark.anyio
async def test_no_rate_limit_when_configured_off() -> None:
    sandbox = small(rate_limit=None)
    async with sandbox_http(sandbox) as http:
        statuses = {(await get_log(http)).status_code for _ in range(50)}
    assert statuses == {200}


def test_max_requests_in_any_window_counts_the_densest_window() -> None:
    sandbox = small()
    arrivals = [(0.0, "/log"), (0.05, "/log"), (0.1, "/log"), (0.15, "/log"), (0.5, "/log"), (0.52, "/healthz")]
    sandbox.requests.extend(RecordedRequest(at, "GET", path, [], {}) for at, path in arrivals)
    assert sandbox.max_requests_in_any_window(0.2) == 4
    assert sandbox.max_requests_in_any_window(0.15) == 3
    assert sandbox.max_requests_in_any_window(10.0) == 5


# ---- faults ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_status_fault_answers_that_status_with_the_error_body_and_retry_after() -> None:
    sandbox = small()
    sandbox.faults.append(Fault(status=503, retry_after=2))
    async with sandbox_http(sandbox) as http:
        faulted = await get_log(http)
    assert faulted.status_code == 503
    assert faulted.headers["retry-after"] == "2"
    assert faulted.json()["statusCode"] == 503 and faulted.json()["error"] == "Service Unavailable"


@pytest.mark.anyio
async def test_body_fault_sends_the_raw_bytes_as_json() -> None:
    sandbox = small()
    sandbox.faults.append(Fault(body=b'{"result": [tru'))
    async with sandbox_http(sandbox) as http:
        faulted = await get_log(http)
    assert faulted.status_code == 200
    assert faulted.headers["content-type"] == "application/json"
    assert faulted.content == b'{"result": [tru'


@pytest.mark.anyio
async def test_hang_fault_delays_then_answers_normally() -> None:
    sandbox = small()
    sandbox.faults.append(Fault(hang_s=0.2))
    async with sandbox_http(sandbox) as http:
        started = time.monotonic()
        response = await get_log(http)
    assert time.monotonic() - started >= 0.2
    assert response.json() == OK_BODY


@pytest.mark.anyio
async def test_hang_fault_can_be_cancelled() -> None:
    sandbox = small()
    sandbox.faults.append(Fault(hang_s=30))
    async with sandbox_http(sandbox) as http:
        started = time.monotonic()
        with anyio.move_on_after(0.1):
            await get_log(http)
    assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_faults_are_consumed_one_per_request_in_order() -> None:
    sandbox = small()
    sandbox.faults.extend([Fault(status=500), Fault(status=429, retry_after=1)])
    async with sandbox_http(sandbox) as http:
        statuses = [(await get_log(http)).status_code for _ in range(3)]
    assert statuses == [500, 429, 200]
    assert not sandbox.faults
    assert [request.fault for request in sandbox.requests] == [
        Fault(status=500),
        Fault(status=429, retry_after=1),
        None,
    ]


@pytest.mark.anyio
async def test_faults_come_before_auth() -> None:
    sandbox = small()
    sandbox.faults.append(Fault(status=502))
    async with sandbox_http(sandbox, token="wrong") as http:
        assert (await get_log(http)).status_code == 502


@pytest.mark.anyio
async def test_latency_is_added_to_every_request() -> None:
    sandbox = small(latency_s=0.1)
    async with sandbox_http(sandbox) as http:
        started = time.monotonic()
        await get_log(http)
        await http.get("/healthz")
    assert time.monotonic() - started >= 0.2


# ---- entry points ------------------------------------------------------------------------------


def test_create_app_returns_a_starlette_app() -> None:
    assert isinstance(create_app(SandboxConfig(now=NOW, generate=False)), Starlette)


@pytest.mark.anyio
async def test_serving_answers_over_real_http_on_localhost() -> None:
    sandbox = small()
    async with serving(sandbox) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        async with httpx2.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}) as http:
            response = await http.get("/log", params={"log_type[": "x"})
            ok = await get_log(http)
    assert response.status_code == 400
    assert ok.json() == OK_BODY
