"""The Truto client against the sandbox upstream (its fault queue) and, for what the sandbox
cannot produce (a closed port, wrong shapes), a real closed port or a MockTransport handler."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx2
import pytest

from tests.helpers import sandbox_http, truto_client
from truto_log_mcp.errors import (
    AuthFailed,
    DeadlineExceeded,
    MalformedResponse,
    RateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from truto_log_mcp.query.arguments import wire_params
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Fault, Sandbox, SandboxConfig
from truto_log_mcp.upstream.client import Deadline, RetryPolicy, TrutoClient

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(
    max_attempts=3, retry_after_cap_s=1.0, request_timeout_s=5.0, backoff_initial_s=0.01, backoff_max_s=0.02
)
PARAMS = wire_params(LogType.WEBHOOK, None, (), 5)


def truto(http: httpx2.AsyncClient, token: str = SANDBOX_TOKEN) -> TrutoClient:
    return truto_client(http, token=token, policy=FAST)


async def test_reads_a_page_of_rows_and_a_cursor(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    page = await truto(http).fetch_page(PARAMS, Deadline(10))
    assert len(page.rows) == 5
    assert page.next_cursor
    assert page.rows == sandbox.rows(LogType.WEBHOOK)[:5]


async def test_sends_the_bearer_token(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    await truto(http).fetch_page(PARAMS, Deadline(10))
    assert sandbox.requests[-1].headers["authorization"] == f"Bearer {SANDBOX_TOKEN}"


async def test_resends_every_filter_with_the_cursor(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    client = truto(http)
    params = wire_params(LogType.WEBHOOK, None, (("event", "sync_job_run:completed"),), 3)
    first = await client.fetch_page(params, Deadline(10))
    await client.fetch_page(
        wire_params(LogType.WEBHOOK, None, (("event", "sync_job_run:completed"),), 3, first.next_cursor), Deadline(10)
    )
    sent = dict(sandbox.requests[-1].params)
    assert sent["log_type_filter[event]"] == "sync_job_run:completed"
    assert sent["next_cursor"] == first.next_cursor


async def test_missing_token_fails_before_any_request(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    with pytest.raises(AuthFailed) as raised:
        await truto_client(http, token=None, policy=FAST).fetch_page(PARAMS, Deadline(10))
    assert "TRUTO_API_TOKEN" in raised.value.tool_text()
    assert sandbox.requests == []


async def test_wrong_token_is_auth_failed_without_retry(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    with pytest.raises(AuthFailed) as raised:
        await truto(http, token="wrong").fetch_page(PARAMS, Deadline(10))
    assert raised.value.status == 401
    assert len(sandbox.requests) == 1


async def test_upstream_400_keeps_the_upstream_message(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bad = [("log_type", "webhook"), ("limit", "500")]
    with pytest.raises(UpstreamRejected) as raised:
        await truto(http).fetch_page(bad, Deadline(10))
    assert "limit" in raised.value.message
    assert len(sandbox.requests) == 1


async def test_429_waits_retry_after_then_succeeds(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=429, retry_after=1))
    started = time.monotonic()
    page = await truto(http).fetch_page(PARAMS, Deadline(10))
    assert time.monotonic() - started >= 0.9
    assert len(page.rows) == 5
    assert len(sandbox.requests) == 2


async def test_429_beyond_the_cap_fails_at_once_saying_when(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=429, retry_after=30))
    with pytest.raises(RateLimited) as raised:
        await truto(http).fetch_page(PARAMS, Deadline(10))
    assert raised.value.retry_after == 30
    assert "30 s" in raised.value.tool_text()
    assert len(sandbox.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_transient_5xx_is_retried(http: httpx2.AsyncClient, sandbox: Sandbox, status: int) -> None:
    sandbox.faults.append(Fault(status=status))
    page = await truto(http).fetch_page(PARAMS, Deadline(10))
    assert len(page.rows) == 5
    assert len(sandbox.requests) == 2


async def test_persistent_5xx_gives_up_after_max_attempts(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(status=502) for _ in range(5))
    with pytest.raises(UpstreamUnavailable) as raised:
        await truto(http).fetch_page(PARAMS, Deadline(10))
    assert raised.value.status == 502
    assert len(sandbox.requests) == FAST.max_attempts


async def test_503_is_not_retried(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(status=503))
    with pytest.raises(UpstreamUnavailable, match="503"):
        await truto(http).fetch_page(PARAMS, Deadline(10))
    assert len(sandbox.requests) == 1


async def test_hanging_upstream_ends_at_the_deadline(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.extend(Fault(hang_s=30) for _ in range(3))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        await truto(http).fetch_page(PARAMS, Deadline(0.5))
    assert time.monotonic() - started < 2


async def test_body_that_is_not_json_is_malformed(http: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(body=b"<html>oops"))
    with pytest.raises(MalformedResponse, match="not JSON"):
        await truto(http).fetch_page(PARAMS, Deadline(10))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"result": {"a": 1}, "next_cursor": null}', "result"),
        (b'{"result": [1, 2], "next_cursor": null}', "not a log row"),
        (b'[{"timestamp": "x"}]', "result"),
        (b'{"result": [], "next_cursor": 5}', "next_cursor"),
        (b'{"result": [], "next_cursor": "' + b"c" * 5_000_000 + b'"}', "next_cursor"),
    ],
    ids=["result_an_object", "rows_not_objects", "body_a_list", "cursor_not_a_string", "cursor_of_5_mb"],
)
async def test_wrong_shapes_are_malformed(
    http: httpx2.AsyncClient, sandbox: Sandbox, body: bytes, complaint: str
) -> None:
    sandbox.faults.append(Fault(body=body))
    with pytest.raises(MalformedResponse, match=complaint):
        await truto(http).fetch_page(PARAMS, Deadline(10))


async def test_nested_metadata_rows_are_flattened() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    nested = Sandbox(SandboxConfig(now=now, row_shape="nested", rate_limit=None))
    flat = Sandbox(SandboxConfig(now=now, rate_limit=None))
    async with sandbox_http(nested, token=None) as c:
        page = await truto(c).fetch_page(PARAMS, Deadline(10))
    expected = flat.rows(LogType.WEBHOOK)[:5]
    assert [row["timestamp"] for row in page.rows] == [row["timestamp"] for row in expected]
    assert all(row["log_type"] == "webhook" and "metadata" not in row for row in page.rows)


async def test_connection_refused_is_upstream_unavailable() -> None:
    async with httpx2.AsyncClient(base_url="http://127.0.0.1:9") as refused:
        with pytest.raises(UpstreamUnavailable, match="Could not reach"):
            await truto(refused).fetch_page(PARAMS, Deadline(10))
