"""The analysis tools through the SDK client, over planted scenarios whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import CallToolResult

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import STORIES, Sandbox, SandboxConfig

from .conftest import server_on

pytestmark = pytest.mark.anyio

NOW = datetime.now(UTC).replace(microsecond=0)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unified(minutes_ago: float, status: int, integration: str, duration: float = 100.0, **extra: Any) -> dict[str, Any]:
    return {
        "log_type": "unified_proxy_api",
        "timestamp": stamp(minutes_ago),
        "http_status_code": status,
        "integration": integration,
        "resource": "contacts",
        "method": "list",
        "duration": duration,
        "fetch_duration": duration * 0.8,
        "integrated_account_id": f"acct-{integration}",
        "message": f"{stamp(minutes_ago)} INFO 1.2.3.4 (abc123) GET https://api.truto.one/unified/crm/x {status}",
        **extra,
    }


def planted() -> dict[LogType, list[dict[str, Any]]]:
    rows = [
        unified(
            i * 10 + 1,
            401,
            "hubspot",
            integrated_account_needs_reauth=True,
            logs=["Refreshing token", "Token refresh failed: invalid_grant"],
        )
        for i in range(10)
    ]
    rows += [
        unified(
            i * 7 + 2,
            502,
            "salesforce",
            logs=[f"Provider error: Salesforce responded 502 Bad Gateway (request id {i:04x}beef{i:04x})"],
        )
        for i in range(5)
    ]
    rows += [unified(i * 5 + 3, 200, "zendesk", duration=100.0 + i) for i in range(15)]
    webhooks = [
        {
            "log_type": "webhook",
            "timestamp": stamp(i * 11 + 4),
            "event": "record:created",
            "webhook_id": "wh-1",
            "webhook_endpoint_status": 503 if i < 4 else 200,
            "status": "failed" if i < 4 else "success",
            "message": f"{stamp(i * 11 + 4)} INFO webhook record:created -> https://hooks.example/x "
            f"{503 if i < 4 else 200}",
        }
        for i in range(10)
    ]
    old = [unified(60 * 24 * 40, 500, "jira", logs=["Provider error: Jira responded 500"])]
    return {LogType.UNIFIED_PROXY_API: rows + old, LogType.WEBHOOK: webhooks}


@pytest.fixture
def scenario() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=planted(), rate_limit=None))


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return dict(result.structured_content)


def text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


async def test_summarize_errors_counts_every_planted_error_by_cause(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = data(await client.call_tool("summarize_errors", {"since": "24h"}))
    assert summary["rows_scanned"] == 40
    assert summary["errors"] == 19
    by_cause = {group["cause"]: group for group in summary["groups"]}
    assert by_cause["auth"]["count"] == 10
    assert by_cause["auth"]["integrations"]["top"] == {"hubspot": 10}
    assert by_cause["provider_error"]["count"] == 5
    assert by_cause["webhook_endpoint"]["count"] == 4
    assert by_cause["auth"]["share"] == pytest.approx(10 / 19, abs=1e-3)
    assert "reconnect" in summary["next_steps"]["auth"]
    assert all(coverage["complete"] for coverage in summary["coverage"])


async def test_one_cause_with_varying_ids_is_one_group(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = data(await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api"}))
    provider = [group for group in summary["groups"] if group["cause"] == "provider_error"]
    assert len(provider) == 1
    assert "<" in provider[0]["template"]


async def test_example_refs_open_the_rows_with_get_log(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = data(await client.call_tool("summarize_errors", {"log_type": "webhook"}))
        ref = summary["groups"][0]["example_refs"][0]
        row = data(await client.call_tool("get_log", {"ref": ref}))
    assert row["row"]["webhook_endpoint_status"] == 503


async def test_group_by_a_field_groups_by_its_values(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = data(
            await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api", "group_by": ["integration"]})
        )
    assert {group["key"]["integration"]: group["count"] for group in summary["groups"]} == {
        "hubspot": 10,
        "salesforce": 5,
    }


async def test_a_window_longer_than_a_month_is_analysed_whole(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        summary = data(await client.call_tool("summarize_errors", {"log_type": "unified_proxy_api", "since": "45d"}))
    assert summary["rows_scanned"] == 31
    assert any(group["integrations"]["top"] == {"jira": 1} for group in summary["groups"])


async def test_filters_skip_log_types_that_cannot_take_them(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("summarize_errors", {"filters": {"integration": "hubspot"}})
    summary = data(result)
    assert summary["errors"] == 10
    assert "skipped: webhook (cannot filter by integration)" in text(result)


async def test_a_row_budget_stop_is_stated(sandbox: Sandbox) -> None:
    async with Client(server_on(sandbox)) as client:
        result = await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "since": "14d", "max_rows": 300}
        )
    summary = data(result)
    assert not summary["coverage"][0]["complete"]
    assert summary["coverage"][0]["stopped_by"] == "row_budget"
    assert "PARTIAL" in text(result)


async def test_summaries_send_progress_to_clients_that_ask(sandbox: Sandbox) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    async with Client(server_on(sandbox)) as client:
        await client.call_tool(
            "summarize_errors", {"log_type": "unified_proxy_api", "since": "7d"}, progress_callback=on_progress
        )
    assert seen
    assert seen[-1][0] == seen[-1][1]


async def test_log_stats_counts_errors_and_percentiles_per_group(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = data(
            await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "group_by": ["integration"]})
        )
    groups = {group["key"]["integration"]: group for group in stats["groups"]}
    assert stats["total"]["count"] == 30
    assert stats["total"]["errors"] == 15
    assert groups["zendesk"]["error_rate"] == 0
    assert groups["zendesk"]["duration"]["p50"] == pytest.approx(107, rel=0.01)
    assert groups["hubspot"]["errors"] == 10


async def test_log_stats_applies_match_after_fetching(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = data(await client.call_tool("log_stats", {"log_type": "unified_proxy_api", "match": {"status": "5xx"}}))
    assert stats["total"]["count"] == 5


async def test_log_stats_buckets_by_time(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        stats = data(await client.call_tool("log_stats", {"log_type": "webhook", "since": "3h", "bucket": "1h"}))
    assert sum(bucket["count"] for bucket in stats["buckets"]) == 10


async def test_log_stats_compares_with_the_previous_window(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool(
            "log_stats", {"log_type": "unified_proxy_api", "since": "1d", "compare_previous": True}
        )
    stats = data(result)
    assert stats["comparison"] is not None
    assert "rows 0 -> 30" in stats["comparison"]["total"]


async def test_too_many_buckets_are_refused_with_the_smallest_size(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook", "since": "7d", "bucket": "1m"})
    assert result.is_error
    assert text(result).startswith("[invalid_argument]")
    assert "at least" in text(result)
    assert scenario.requests == []


async def test_group_by_an_unknown_field_is_refused(scenario: Sandbox) -> None:
    async with Client(server_on(scenario)) as client:
        result = await client.call_tool("log_stats", {"log_type": "webhook", "group_by": ["webhok_id"]})
    assert text(result).startswith("[invalid_argument]")
    assert "did you mean `webhook_id`" in text(result).lower()


@pytest.mark.parametrize(
    ("story", "outcome", "cause"),
    [
        ("expired_auth", "failed", "auth"),
        ("stuck_run", "stuck", "stuck"),
        ("delivery_failure", "completed", "delivery"),
    ],
)
async def test_trace_sync_run_diagnoses_the_planted_runs(client: Client, story: str, outcome: str, cause: str) -> None:
    run_id = STORIES[story].ids["sync_job_run_id"]
    trace = data(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    assert trace["outcome"] == outcome
    assert trace["diagnosis"]["cause"] == cause
    assert trace["diagnosis"]["evidence"]
    assert trace["timeline"]


async def test_trace_sync_run_attaches_refs_that_open_the_evidence(client: Client) -> None:
    run_id = STORIES["expired_auth"].ids["sync_job_run_id"]
    trace = data(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    ref = trace["diagnosis"]["evidence"][0]["refs"][0]
    row = data(await client.call_tool("get_log", {"ref": ref}))
    assert row["row"].get("sync_job_run_id") == run_id or row["log_type"] == "sync_job_cron_trigger"


async def test_trace_sync_run_finds_the_cron_trigger_and_deliveries(client: Client) -> None:
    run_id = STORIES["delivery_failure"].ids["sync_job_run_id"]
    trace = data(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id}))
    assert trace["cron_trigger"]["found"] is True
    assert trace["webhook_deliveries"]["count"] > 0
    assert trace["webhook_deliveries"]["rejected_413"] == 1


async def test_an_unknown_run_says_where_it_looked(client: Client) -> None:
    result = await client.call_tool("trace_sync_run", {"sync_job_run_id": "00000000-0000-4000-8000-000000000000"})
    trace = data(result)
    assert trace["outcome"] == "not_found"
    assert "all retained logs" in trace["searched"][0]
    assert "Looked in: rapid_bridge" in text(result)


async def test_trace_sync_run_within_a_window(client: Client) -> None:
    run_id = STORIES["stuck_run"].ids["sync_job_run_id"]
    trace = data(await client.call_tool("trace_sync_run", {"sync_job_run_id": run_id, "since": "2h"}))
    assert trace["outcome"] == "stuck"
    assert "rapid_bridge" in trace["searched"][0]


async def test_a_cancelled_summary_stops_reading_promptly() -> None:
    slow = Sandbox(SandboxConfig(latency_s=0.2, rate_limit=None))
    async with Client(server_on(slow)) as client:
        with anyio.move_on_after(1.0):
            await client.call_tool("summarize_errors", {"since": "14d"})
        await anyio.sleep(0.5)
        after_cancel = len(slow.requests)
        await anyio.sleep(1.0)
        assert len(slow.requests) == after_cancel
        still_works = await client.call_tool("describe_log_types", {})
        assert not still_works.is_error


async def test_a_session_over_its_scan_limit_is_told_it_is_busy() -> None:
    slow = Sandbox(SandboxConfig(latency_s=0.3, rate_limit=None))
    async with Client(server_on(slow, max_scans_per_session=1)) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "summarize_errors", {"log_type": "webhook", "since": "2d"})
            await anyio.sleep(0.2)
            second = await client.call_tool("log_stats", {"log_type": "webhook"})
            assert second.is_error
            assert text(second).startswith("[busy]")
